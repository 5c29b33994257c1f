import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, suite } from "../helpers/env.js";

suite("init (real containers)", ["docker"], () => {
  it("writes a v0.7 example that passes `clnrm run` offline, proven by its OTLP span", async () => {
    const dir = tmpDir();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const r = await runCli(["run", "--report-json", "r.json", "tests/"], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const t = JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")).tests[0];
    assert.equal(t.counts.spans, 1);
    assert.equal(t.telemetry.sources["otlp-http"], 1);
    // A second init refuses to overwrite.
    assert.equal((await runCli(["init"], { cwd: dir })).code, 2);
  });
});
