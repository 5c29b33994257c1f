/**
 * JUnit report without Docker: a testcase per scenario and per rule, set-up failures, evidence
 * as properties, valid against the JUnit XSD (xmllint).
 * Mutations each test catches (checked by breaking the code once):
 * - JUnit rule testcases not skipped on set-up failure / counting tests → xml assertions fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { RunResult, TestResult } from "../../src/core/result.js";
import { junitReport } from "../../src/report/junit.js";
import { PROJECT_ROOT, tmpDir } from "../helpers/env.js";

describe("JUnit: a testcase per scenario and per rule", () => {
  const base = (o: Partial<TestResult>): TestResult => ({
    file: "t.clnrm.toml",
    name: "t",
    verdict: "failed",
    durationMs: 12,
    scenarios: [],
    findings: [],
    specHash: "h",
    containers: [],
    warnings: [],
    imageAliases: [],
    ...o,
  });
  const rules = [
    { id: "expect.span[a]", keyPath: "expect.span[0]" },
    { id: "expect.graph.acyclic" },
    { id: "expect.status.all" },
  ];
  const step = {
    name: "s",
    kind: "scenario",
    argv: [],
    stdout: "out",
    stderr: "",
    durationMs: 5,
    status: "passed",
    timedOut: false,
  } as const;
  const run = (tests: TestResult[]): RunResult => ({
    runId: "r",
    startedAt: "",
    durationMs: 20,
    tests,
    interrupted: false,
  });

  it("set-up failure: an error testcase, every rule testcase skipped; testcases counted", () => {
    const xml = junitReport(
      run([base({ rules, error: { kind: "Container", message: "image missing" } })]),
    );
    assert.match(xml, /<testsuite name="t" tests="4" failures="0" errors="1" skipped="3"/);
    assert.equal(
      (xml.match(/<skipped message="not evaluated: set-up failed \(Container error\)"\/>/g) ?? [])
        .length,
      3,
    );
  });

  it("findings fail their rule's testcase; evidence as properties; valid against the XSD", () => {
    const t = base({
      rules,
      scenarios: [{ name: "s", status: "passed", durationMs: 5, steps: [step] }],
      findings: [
        { rule: "expect.span[a].kind", message: "wrong kind", keyPath: "expect.span[0]" },
        { rule: "expect.status.all", message: "1 span is ERROR" },
        { rule: "expect.span.no_spans_collected", message: "none" },
      ],
      evidence: { level: "telemetry", rules: 3, spans: 2, bySource: { "otlp-http": 2 } },
    });
    const ok = base({
      name: "ok",
      verdict: "passed",
      evidence: { level: "exit-codes", rules: 0, spans: 0, bySource: {} },
    });
    const xml = junitReport(run([t, ok]));
    assert.match(xml, /<testsuites name="clnrm" tests="4" failures="2" errors="0"/);
    assert.match(xml, /<testsuite name="t" tests="4" failures="2" errors="0" skipped="0"/);
    assert.match(
      xml,
      new RegExp(
        '<testcase name="expect\\.span\\[a\\]" classname="t" time="0\\.000">' +
          '<failure message="expect\\.span\\[a\\]\\.kind: wrong kind"',
      ),
    );
    assert.match(
      xml,
      /<testcase name="expect\.graph\.acyclic" classname="t" time="0\.000"><\/testcase>/,
    );
    assert.match(
      xml,
      new RegExp(
        '<property name="clnrm\\.evidence\\.level" value="telemetry"/>' +
          '<property name="clnrm\\.evidence\\.rules" value="3"/>',
      ),
    );
    assert.match(xml, /<property name="clnrm\.evidence\.spans\.otlp-http" value="2"\/>/);
    assert.match(
      xml,
      new RegExp(
        '<testsuite name="ok" tests="0"[^>]*>\\n {4}' +
          '<properties><property name="clnrm\\.evidence\\.level" value="exit-codes"/>',
      ),
    );
    // a finding of no single rule joins the first rule of its block, not a testcase of its own
    assert.match(xml, /wrong kind\nexpected: \nactual: \n\nexpect\.span\.no_spans_collected: none/);
    assert.doesNotMatch(xml, /<testcase name="expect\.span\.no_spans_collected"/);
    const file = path.join(tmpDir(), "r.xml");
    fs.writeFileSync(file, xml);
    const x = spawnSync(
      "xmllint",
      ["--noout", "--schema", path.join(PROJECT_ROOT, "test/fixtures/junit.xsd"), file],
      { encoding: "utf8" },
    );
    assert.equal(x.status, 0, x.stderr);
  });
});
