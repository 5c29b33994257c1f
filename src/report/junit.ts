/**
 * JUnit XML: one testsuite per test file, one testcase per step/scenario plus one for the
 * expectations.
 */
import type { RunResult, TestResult } from "../core/result.js";

const esc = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
const secs = (ms: number): string => (ms / 1000).toFixed(3);

interface Suite {
  readonly xml: string;
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly skipped: number;
}

function suite(t: TestResult): Suite {
  const cases: string[] = [];
  for (const sc of t.scenarios)
    for (const st of sc.steps) {
      const body = st.failure
        ? `<failure message="${esc(`${st.failure.rule}: ${st.failure.message}`)}" type="${esc(st.failure.rule)}">${esc(`expected: ${st.failure.expected ?? ""}\nactual: ${st.failure.actual ?? ""}`)}</failure>`
        : st.status === "skipped"
          ? "<skipped/>"
          : "";
      cases.push(
        `    <testcase name="${esc(`${sc.name}/${st.name}`)}" classname="${esc(t.name)}" time="${secs(st.durationMs)}">${body}<system-out>${esc(st.stdout)}</system-out><system-err>${esc(st.stderr)}</system-err></testcase>`,
      );
    }
  const expectFindings = t.findings.filter((f) => f.rule.startsWith("expect."));
  if (t.telemetry) {
    const f = expectFindings[0];
    cases.push(
      `    <testcase name="expectations" classname="${esc(t.name)}" time="0.000">${f ? `<failure message="${esc(`${f.rule}: ${f.message}`)}" type="${esc(f.rule)}">${esc(expectFindings.map((x) => `${x.rule}: ${x.message}`).join("\n"))}</failure>` : ""}<system-out>${esc(`spans=${t.telemetry.spans} digest=${t.telemetry.digest ?? ""}`)}</system-out></testcase>`,
    );
  }
  if (t.error)
    cases.push(
      `    <testcase name="setup" classname="${esc(t.name)}" time="0.000"><error message="${esc(t.error.message)}" type="${esc(t.error.kind)}"/></testcase>`,
    );
  const failures = cases.filter((c) => c.includes("<failure")).length;
  const errors = t.error ? 1 : 0;
  const skipped = cases.filter((c) => c.includes("<skipped/>")).length;
  return {
    xml: `  <testsuite name="${esc(t.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${secs(t.durationMs)}" file="${esc(t.file)}">\n${cases.join("\n")}\n  </testsuite>`,
    tests: cases.length,
    failures,
    errors,
    skipped,
  };
}

/** The root counts are the sums of the suites' counts, as JUnit consumers read them. */
export function junitReport(run: RunResult): string {
  const suites = run.tests.map(suite);
  const sum = (k: "tests" | "failures" | "errors" | "skipped"): number =>
    suites.reduce((n, x) => n + x[k], 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="clnrm" tests="${sum("tests")}" failures="${sum("failures")}" errors="${sum("errors")}" skipped="${sum("skipped")}" time="${secs(run.durationMs)}">\n${suites.map((x) => x.xml).join("\n")}\n</testsuites>\n`;
}
