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

function suite(t: TestResult): string {
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
  return `  <testsuite name="${esc(t.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${secs(t.durationMs)}" file="${esc(t.file)}">\n${cases.join("\n")}\n  </testsuite>`;
}

export function junitReport(run: RunResult): string {
  const tests = run.tests.reduce(
    (n, t) =>
      n +
      t.scenarios.reduce((m, s) => m + s.steps.length, 0) +
      (t.telemetry ? 1 : 0) +
      (t.error ? 1 : 0),
    0,
  );
  const failures = run.tests.filter((t) => t.findings.length > 0).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="clnrm" tests="${tests}" failures="${failures}" time="${secs(run.durationMs)}">\n${run.tests.map(suite).join("\n")}\n</testsuites>\n`;
}
