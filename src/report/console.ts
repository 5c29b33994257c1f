/**
 * Console output: one line per test, a focused first failure, and a summary. NO_COLOR is honoured.
 */
import path from "node:path";
import type { Evidence, Finding, RunResult, TestResult } from "../core/result.js";

const useColor = (): boolean => !process.env.NO_COLOR && process.stdout.isTTY === true;
const paint = (code: string, s: string): string => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = (s: string): string => paint("31", s);
const green = (s: string): string => paint("32", s);
const dim = (s: string): string => paint("2", s);

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** What proved the verdict: "3 rule(s) over 5 span(s) (otlp-http=4, stdout=1)" or exit codes. */
function formatEvidence(e: Evidence): string {
  if (e.level === "exit-codes") return "exit codes only (no [expect…] block)";
  const src = Object.entries(e.bySource)
    .map(([k, n]) => `${k}=${n}`)
    .join(", ");
  return `${e.rules} rule(s) over ${e.spans} span(s)${src ? ` (${src})` : ""}`;
}

function formatTestLine(t: TestResult): string {
  const line = formatVerdictLine(t);
  return t.verdict === "passed" && t.evidence
    ? `${line} — proved by ${formatEvidence(t.evidence)}`
    : line;
}

function formatVerdictLine(t: TestResult): string {
  const tel = t.telemetry
    ? ` (spans=${t.telemetry.spans}, digest=${t.telemetry.digest?.slice(0, 12)}…)`
    : "";
  const verdict = t.verdict === "passed" ? green("PASS") : red("FAIL");
  if (t.cached)
    return (
      `${verdict} ${t.name} ` +
      "(cached: no scenario changed; expectations checked against the cached spans)"
    );
  const cachedScenarios = t.scenarios.filter((s) => s.status === "cached").length;
  const cachedNote = cachedScenarios
    ? ` (${cachedScenarios}/${t.scenarios.length} scenario(s) cached)`
    : "";
  return `${verdict} ${t.name} in ${secs(t.durationMs)}${tel}${cachedNote}`;
}

export function formatFinding(f: Finding, indent = "    ", file?: string): string {
  const lines = [`${indent}${red(f.rule)}: ${f.message}`];
  if (f.expected !== undefined) lines.push(`${indent}  expected: ${f.expected}`);
  if (f.actual !== undefined) lines.push(`${indent}  actual:   ${f.actual}`);
  if (f.spanNames?.length || f.spanIds?.length) {
    const names = (f.spanNames ?? []).slice(0, 5).join(", ");
    const ids = f.spanIds?.length ? ` [${f.spanIds.slice(0, 5).join(", ")}]` : "";
    lines.push(`${indent}  spans:    ${names}${ids}`);
  }
  if (f.keyPath) {
    const at = file && f.line ? `${file}:${f.line} ` : f.line ? `line ${f.line} ` : "";
    lines.push(`${indent}  where:    ${at}(${f.keyPath})`);
  }
  return lines.join("\n");
}

export function formatTestDetail(t: TestResult, verbose = false): string {
  const out: string[] = [formatTestLine(t)];
  if (t.error) {
    const where = t.error.location ? ` in ${t.error.location}` : "";
    const message = t.error.message.replace(/\n/g, "\n    ");
    const hint = t.error.hint ? `\n    hint: ${t.error.hint}` : "";
    out.push(`    ${red(`${t.error.kind} error`)}${where}: ${message}${hint}`);
  }
  if (t.firstFailure) {
    const file = path.relative(process.cwd(), t.file) || t.file;
    out.push(`  first failing rule:\n${formatFinding(t.firstFailure, "    ", file)}`);
    if (t.findings.length > 1)
      out.push(dim(`    (+${t.findings.length - 1} more finding(s); see the JSON report)`));
    if (t.telemetry?.completion)
      out.push(
        dim(
          `    spans received: ${t.telemetry.spans} ` +
            `(collection ended: ${t.telemetry.completion} after ${t.telemetry.waitedMs}ms)`,
        ),
      );
  }
  // Warnings are shown on PASS too: a passing test with an ignored key is worth knowing about.
  for (const w of t.warnings) out.push(dim(`    warning: ${w}`));
  if (verbose) for (const a of t.imageAliases) out.push(dim(`    image alias: ${a}`));
  return out.join("\n");
}

export function formatSummary(run: RunResult): string {
  const passed = run.tests.filter((t) => t.verdict === "passed").length;
  const failed = run.tests.length - passed;
  const cached = run.tests.filter((t) => t.cached).length;
  const cachedNote = cached ? ` (${cached} cached)` : "";
  const interrupted = run.interrupted ? " (interrupted)" : "";
  const text =
    `Test results: ${passed} passed, ${failed} failed${cachedNote} ` +
    `in ${secs(run.durationMs)}${interrupted}`;
  return failed ? red(text) : green(text);
}
