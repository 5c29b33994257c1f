/**
 * A JSON report (clnrm.report/v1, written by json.ts) read back into the result model, so
 * `clnrm report` renders any saved run as HTML, JUnit or Markdown with the same reporters as
 * `run`. The JSON keeps no spans: the HTML of a saved report has no waterfall.
 */
import { CleanroomError } from "../core/errors.js";
import type { RunResult, ScenarioResult, StepResult, TestResult } from "../core/result.js";
import { JSON_REPORT_VERSION } from "./json.js";

type J = Record<string, unknown>;
const obj = (v: unknown): J => (typeof v === "object" && v !== null ? (v as J) : {});
const list = (v: unknown): J[] => (Array.isArray(v) ? v.map(obj) : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const opt = <T>(v: unknown): T | undefined =>
  v === null || v === undefined ? undefined : (v as T);

export function runFromJson(doc: unknown, file: string): RunResult {
  const d = obj(doc);
  if (d.schema !== JSON_REPORT_VERSION)
    throw new CleanroomError(
      "Serialization",
      `${file} is not a clnrm JSON report (schema ${JSON.stringify(d.schema ?? null)}, ` +
        `expected "${JSON_REPORT_VERSION}")`,
      { context: { file }, hint: "write one with clnrm run --report-json FILE" },
    );
  return {
    runId: text(d.run_id),
    startedAt: text(d.started_at),
    durationMs: num(d.duration_ms),
    interrupted: d.interrupted === true,
    tests: list(d.tests).map(testFromJson),
  };
}

function evidenceFromJson(e: J | undefined): TestResult["evidence"] {
  if (!e) return undefined;
  const bySource = Object.fromEntries(
    Object.entries(obj(e.by_source)).map(([k, v]) => [k, num(v)]),
  );
  const level = e.level === "exit-codes" ? "exit-codes" : "telemetry";
  return { level, rules: num(e.rules), spans: num(e.spans), bySource };
}

/** `declared_rules` of a saved report (absent in reports of older builds: no rule testcases). */
function declaredRulesFromJson(v: unknown): TestResult["rules"] {
  if (!Array.isArray(v)) return undefined;
  return v
    .filter((r): r is J => typeof r === "object" && r !== null)
    .map((r) => ({
      id: String(r.id),
      keyPath: typeof r.key_path === "string" ? r.key_path : undefined,
    }));
}

function testFromJson(t: J): TestResult {
  const ff = opt<J>(t.first_failure);
  return {
    file: text(t.file),
    name: text(t.name),
    verdict: t.verdict === "pass" ? "passed" : "failed",
    durationMs: num(t.duration_ms),
    specHash: text(t.spec_hash),
    seed: opt<number>(t.seed),
    freezeClock: opt<string>(t.freeze_clock),
    firstFailure: ff
      ? {
          rule: text(ff.rule),
          message: text(ff.message),
          spanIds: Array.isArray(ff.spans) ? ff.spans.map(String) : [],
        }
      : undefined,
    findings: list(t.findings) as unknown as TestResult["findings"],
    error: opt<TestResult["error"]>(t.error),
    telemetry: opt<TestResult["telemetry"]>(t.telemetry),
    evidence: evidenceFromJson(opt<J>(t.evidence)),
    rules: declaredRulesFromJson(t.declared_rules),
    scenarios: list(t.scenarios).map(
      (s): ScenarioResult => ({
        name: text(s.name),
        status: text(s.status) as ScenarioResult["status"],
        durationMs: num(s.duration_ms),
        steps: list(s.steps).map(
          (st): StepResult => ({
            name: text(st.name),
            kind: st.kind === "step" ? "step" : "scenario",
            service: opt<string>(st.service),
            argv: Array.isArray(st.argv) ? st.argv.map(String) : [],
            exitCode: opt<number>(st.exit_code),
            status: text(st.status) as StepResult["status"],
            durationMs: num(st.duration_ms),
            timedOut: st.timed_out === true,
            stdout: text(st.stdout),
            stderr: text(st.stderr),
            failure: opt<StepResult["failure"]>(st.failure),
          }),
        ),
      }),
    ),
    containers: [],
    cached: list(t.scenarios).length > 0 && list(t.scenarios).every((s) => s.status === "cached"),
    warnings: Array.isArray(t.warnings) ? t.warnings.map(String) : [],
    imageAliases: Array.isArray(t.image_aliases) ? t.image_aliases.map(String) : [],
  };
}

/** A Markdown summary: one table row per test, then each failure with its rule. */
export function markdownReport(run: RunResult): string {
  const passed = run.tests.filter((t) => t.verdict === "passed").length;
  const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    `# clnrm report ${run.runId}`,
    "",
    `${passed} passed, ${run.tests.length - passed} failed ` +
      `in ${(run.durationMs / 1000).toFixed(2)}s (started ${run.startedAt})`,
    "",
    "| test | verdict | time | spans | first failing rule |",
    "|---|---|---|---|---|",
    ...run.tests.map(
      (t) =>
        `| ${cell(t.name)} | ${t.verdict === "passed" ? "✅ pass" : "❌ fail"} | ` +
        `${(t.durationMs / 1000).toFixed(2)}s | ${t.telemetry?.spans ?? 0} | ` +
        `${cell(t.firstFailure?.rule ?? t.error?.kind ?? "")} |`,
    ),
  ];
  for (const t of run.tests.filter((x) => x.verdict === "failed")) {
    lines.push("", `## ${t.name}`, "", `File: \`${t.file}\``, "");
    if (t.error) lines.push(`- **${t.error.kind} error**: ${t.error.message}`);
    for (const f of t.findings) lines.push(`- \`${f.rule}\`: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}
