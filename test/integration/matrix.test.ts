/**
 * [matrix] with real containers: one run per combination, each its own test in the report
 * and the cache; `clnrm report` renders that run's JSON report. Mutations caught: running the
 * file once (only the first combination): the report would hold one test and the failing
 * combination would not fail the run; a report renderer ignoring verdicts (markdown/junit
 * counts).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { aliasConfig, runCli, tmpDir, writeTest, suite } from "../helpers/env.js";

suite("matrix (real containers)", ["docker"], () => {
  it("runs each combination as its own test; one failing combination fails the run", async () => {
    const dir = tmpDir();
    aliasConfig(dir);
    writeTest(
      dir,
      "m.clnrm.toml.tera",
      '[meta]\nname = "m"\n[matrix]\nword = ["good", "bad"]\n[service.app]\nimage ' +
        '= "alpine:latest"\n[[scenario]]\nname = "s"\nservice = "app"\nrun' +
        ' = ["sh", "-c", "echo {{ matrix.word }}; test {{ matrix.word ' +
        '}} = good"]\n',
    );
    const dry = await runCli(["dry-run", "."], { cwd: dir });
    assert.match(dry.stdout, /m\[word=good\][\s\S]*m\[word=bad\]/);
    const r = await runCli(["run", "--report-json", "r.json", "."], { cwd: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const tests = JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")).tests as {
      name: string;
      verdict: string;
    }[];
    assert.deepEqual(
      tests.map((t) => `${t.name} ${t.verdict}`).sort(),
      ["m[word=bad] fail", "m[word=good] pass"].sort(),
    );
    // `clnrm report` renders the saved JSON report with the run's own reporters.
    const md = await runCli(["report", "-i", "r.json", "-f", "markdown"], { cwd: dir });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /1 passed, 1 failed/);
    assert.match(md.stdout, /\| m\[word=bad\] \| ❌ fail \|/);
    const junit = await runCli(["report", "-i", "r.json", "-f", "junit"], { cwd: dir });
    assert.match(junit.stdout, /<testsuites name="clnrm" tests="\d+" failures="1"/);
    const html = await runCli(["report", "-i", "r.json", "-o", "r.html"], { cwd: dir });
    assert.equal(html.code, 0, html.stderr);
    assert.match(fs.readFileSync(path.join(dir, "r.html"), "utf8"), /m\[word=good\]/);
    const notReport = await runCli(["report", "-i", "cleanroom.toml"], { cwd: dir });
    assert.equal(notReport.code, 2);
    assert.match(notReport.stderr, /Serialization error.*cannot read cleanroom\.toml/);
    // The passing combination is cached on its own; the failing one runs again.
    const again = await runCli(["run", "."], { cwd: dir });
    assert.match(again.stdout, /PASS m\[word=good\] \(cached/);
    assert.match(again.stdout, /FAIL m\[word=bad\]/);
  });
});
