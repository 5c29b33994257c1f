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
    assert.equal(t.file, path.join(dir, "tests", "example.clnrm.toml"), "nothing redacted");
    // The span's duration is real: a checksum takes milliseconds. Reading adjtimex's tv_usec as
    // microseconds where the kernel gives nanoseconds (STA_NANO) made it 1000× too long (12 s).
    const file = path.join(dir, "tests", "example.clnrm.toml");
    const text = fs.readFileSync(file, "utf8");
    assert.ok(text.includes("max = 10000"), "the example's duration bound");
    fs.writeFileSync(file, text.replace("max = 10000", "max = 1000"));
    const tight = await runCli(["run", "tests/"], { cwd: dir });
    assert.equal(tight.code, 0, tight.stdout + tight.stderr);
    // A second init refuses to overwrite.
    assert.equal((await runCli(["init"], { cwd: dir })).code, 2);
  });
});
