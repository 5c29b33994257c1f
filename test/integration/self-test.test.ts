/**
 * clnrm validates its own spans: an inner clnrm run in a container exports to an outer run on the
 * host.
 * Mutation caught: `self-test` ignoring --report-json (writing nowhere) → the fresh path does
 * not exist (the old fixed /tmp path could hold a report of an earlier run and pass).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { writeSelfTest as writeSelfTestFiles } from "../../src/cli/commands/self-test.js";

/** The self-test files in a temp folder that is removed when this test process exits. */
function writeSelfTest(): ReturnType<typeof writeSelfTestFiles> {
  const files = writeSelfTestFiles();
  process.once("exit", () => fs.rmSync(files.dir, { recursive: true, force: true }));
  return files;
}
import { managedResources, runCli, tmpDir, suite } from "../helpers/env.js";

suite("self-test (real containers, clnrm's own OTLP spans)", ["docker"], () => {
  it("passes only because the inner run's spans prove the work", async () => {
    // a report path in a fresh directory: a report left by an earlier run cannot satisfy this
    const json = path.join(tmpDir(), "self-test.json");
    const r = await runCli(["self-test", "--report-json", json], { cwd: tmpDir() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    assert.equal(report.verdict, "pass");
    assert.equal(report.tests.length, 1);
    const t = report.tests[0];
    assert.ok(t.counts.spans >= 7);
    assert.equal(t.telemetry.sources["otlp-http"], t.counts.spans);
  });

  it("a sabotaged inner run fails the outer run on clnrm.run{result=pass}", async () => {
    const { dir, outer } = writeSelfTest();
    const inner = path.join(dir, "inner.clnrm.toml");
    fs.writeFileSync(
      inner,
      fs
        .readFileSync(inner, "utf8")
        .replace('expected_output_regex = "^data$"', 'expected_output_regex = "^not-data$"'),
    );
    // The inner clnrm exits 1 now; accept that exit code so the verdict rests on the spans alone.
    fs.writeFileSync(
      outer,
      fs
        .readFileSync(outer, "utf8")
        .replace("timeout_ms = 120000", "timeout_ms = 120000\nexpected_exit_code = 1"),
    );
    const json = path.join(dir, "r.json");
    const r = await runCli(["run", "--report-json", json, outer], { cwd: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const t = JSON.parse(fs.readFileSync(json, "utf8")).tests[0];
    assert.equal(t.first_failure.rule, "expect.span[clnrm.run].attrs.all");
    assert.ok(t.findings.some((f: { rule: string }) => f.rule === "expect.status.all"));
  });

  it("a run that never starts clnrm (echo only) fails on span existence", async () => {
    const { outer } = writeSelfTest();
    fs.writeFileSync(
      outer,
      fs
        .readFileSync(outer, "utf8")
        .replace(/^run = .*$/m, `run = "sh -c 'echo All tests passed'"`),
    );
    const json = path.join(tmpDir(), "echo.json");
    const r = await runCli(["run", "--report-json", json, outer], { cwd: tmpDir() });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /first failing rule:\n\s+expect\.span\[clnrm\.run\]\.existence/);
    // only this run's resources (label clnrm.run-id): other runs on the engine do not count
    const runId: string = JSON.parse(fs.readFileSync(json, "utf8")).run_id;
    assert.match(runId, /\S/);
    assert.deepEqual(managedResources(runId), { containers: [], networks: [] });
  });
});
