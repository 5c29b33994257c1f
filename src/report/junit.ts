/**
 * JUnit XML, in the form Jenkins and Surefire read (checked against test/fixtures/junit.xsd):
 * one testsuite per test file, with `<properties>` for the evidence level; one testcase per
 * scenario (per step for legacy `[[steps]]`) and one per declared expectation rule. When
 * set-up failed, a `setup` testcase carries the error and the rule testcases are `skipped`
 * (nothing was evaluated). `tests`, `failures`, `errors` and `skipped` count testcases.
 */
import { findingOfRule, type Finding, type RunResult, type TestResult } from "../core/result.js";

const esc = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
const secs = (ms: number): string => (ms / 1000).toFixed(3);

interface Case {
  readonly name: string;
  readonly timeMs: number;
  readonly outcome?: "failure" | "error" | "skipped";
  readonly message?: string;
  readonly type?: string;
  readonly detail?: string;
  readonly out?: string;
  readonly err?: string;
}

const findingText = (fs: readonly Finding[]): string =>
  fs
    .map((f) => `${f.rule}: ${f.message}\nexpected: ${f.expected ?? ""}\nactual: ${f.actual ?? ""}`)
    .join("\n\n");

function scenarioCases(t: TestResult): Case[] {
  const cases: Case[] = [];
  for (const sc of t.scenarios) {
    // A scenario that runs a container is one testcase; one made only of exec'd steps (legacy
    // [[steps]]) gives each step its own testcase.
    const units =
      sc.steps.length > 0 && sc.steps.every((s) => s.kind === "step")
        ? sc.steps.map((st) => ({ name: `${sc.name}/${st.name}`, steps: [st], status: st.status }))
        : [{ name: sc.name, steps: sc.steps, status: sc.status }];
    for (const u of units) {
      const failed = u.steps.find((s) => s.failure);
      const out = u.steps.map((s) => s.stdout).join("");
      const err = u.steps.map((s) => s.stderr).join("");
      const timeMs = u.steps.reduce((n, s) => n + s.durationMs, 0);
      if (failed?.failure)
        cases.push({
          name: u.name,
          timeMs,
          outcome: "failure",
          message: `${failed.failure.rule}: ${failed.failure.message}`,
          type: failed.failure.rule,
          detail: findingText([failed.failure]),
          out,
          err,
        });
      else if (u.status === "skipped")
        cases.push({ name: u.name, timeMs, outcome: "skipped", message: "not run", out, err });
      else
        cases.push({
          name: u.name,
          timeMs,
          out: u.status === "cached" ? `cached: unchanged since it passed\n${out}` : out,
          err,
        });
    }
  }
  return cases;
}

function ruleCases(t: TestResult): Case[] {
  const rules = t.rules ?? [];
  const expectFindings = t.findings.filter((f) => f.rule.startsWith("expect."));
  if (t.error)
    return rules.map((r) => ({
      name: r.id,
      timeMs: 0,
      outcome: "skipped",
      message: `not evaluated: set-up failed (${t.error!.kind} error)`,
    }));
  const mine = rules.map((r) => expectFindings.filter((f) => findingOfRule(f, r)));
  const claimed = new Set(mine.flat());
  const extra: Finding[] = [];
  // A finding of no single rule (`expect.span.no_spans_collected`) joins the first rule of its
  // block; without one it gets a testcase of its own.
  for (const f of expectFindings.filter((x) => !claimed.has(x))) {
    const block = `expect.${f.rule.split(".")[1]}`;
    const i = rules.findIndex((r) => r.id.startsWith(block));
    if (i >= 0) mine[i]!.push(f);
    else extra.push(f);
  }
  const failing = (name: string, fs: readonly Finding[]): Case => ({
    name,
    timeMs: 0,
    outcome: "failure",
    message: `${fs[0]!.rule}: ${fs[0]!.message}`,
    type: fs[0]!.rule,
    detail: findingText(fs),
  });
  return [
    ...rules.map((r, i) => (mine[i]!.length ? failing(r.id, mine[i]!) : { name: r.id, timeMs: 0 })),
    ...extra.map((f) => failing(f.rule, [f])),
  ];
}

function caseXml(c: Case, classname: string): string {
  const body =
    c.outcome === "skipped"
      ? `<skipped message="${esc(c.message ?? "")}"/>`
      : c.outcome
        ? `<${c.outcome} message="${esc(c.message ?? "")}" type="${esc(c.type ?? "")}">` +
          `${esc(c.detail ?? "")}</${c.outcome}>`
        : "";
  const out = c.out ? `<system-out>${esc(c.out)}</system-out>` : "";
  const err = c.err ? `<system-err>${esc(c.err)}</system-err>` : "";
  const attrs = `name="${esc(c.name)}" classname="${esc(classname)}" time="${secs(c.timeMs)}"`;
  return `    <testcase ${attrs}>${body}${out}${err}</testcase>`;
}

function properties(t: TestResult): string {
  const p: [string, string | number][] = [];
  const e = t.evidence;
  if (e) {
    p.push(["clnrm.evidence.level", e.level], ["clnrm.evidence.rules", e.rules]);
    p.push(["clnrm.evidence.spans", e.spans]);
    for (const [src, n] of Object.entries(e.bySource)) p.push([`clnrm.evidence.spans.${src}`, n]);
  }
  if (t.telemetry?.digest) p.push(["clnrm.digest", t.telemetry.digest]);
  if (t.specHash) p.push(["clnrm.spec_hash", t.specHash]);
  if (t.cached) p.push(["clnrm.cached", "true"]);
  const items = p.map(([k, v]) => `<property name="${esc(k)}" value="${esc(String(v))}"/>`);
  return items.length ? `    <properties>${items.join("")}</properties>\n` : "";
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(t: TestResult, totals: Counts): string {
  const cases = [...scenarioCases(t), ...ruleCases(t)];
  if (t.error)
    cases.unshift({
      name: "setup",
      timeMs: 0,
      outcome: "error",
      message: t.error.message,
      type: t.error.kind,
      detail: [t.error.location, t.error.hint].filter(Boolean).join("\n"),
    });
  const n: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome === "failure").length,
    errors: cases.filter((c) => c.outcome === "error").length,
    skipped: cases.filter((c) => c.outcome === "skipped").length,
  };
  for (const k of Object.keys(n) as (keyof Counts)[]) totals[k] += n[k];
  const attrs =
    `name="${esc(t.name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" ` +
    `skipped="${n.skipped}" time="${secs(t.durationMs)}" file="${esc(t.file)}"`;
  const body = cases.map((c) => caseXml(c, t.name)).join("\n");
  return `  <testsuite ${attrs}>\n${properties(t)}${body}\n  </testsuite>`;
}

export function junitReport(run: RunResult): string {
  const totals: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = run.tests.map((t) => suite(t, totals)).join("\n");
  const attrs =
    `name="clnrm" tests="${totals.tests}" failures="${totals.failures}" ` +
    `errors="${totals.errors}" time="${secs(run.durationMs)}"`;
  const xmlDecl = '<?xml version="1.0" encoding="UTF-8"?>';
  return `${xmlDecl}\n<testsuites ${attrs}>\n${suites}\n</testsuites>\n`;
}
