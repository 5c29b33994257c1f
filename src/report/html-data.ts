/**
 * The data the HTML report embeds: the run's metadata and, per test, its verdict, findings,
 * scenarios, container logs, evidence and its spans grouped by trace in waterfall order.
 * Everything is plain JSON (bigints become millisecond offsets) for the page's script.
 */
import type { ContainerLog, ErrorInfo, Finding, RunResult, TestResult } from "../core/result.js";
import type { AttrValue, Span } from "../telemetry/span.js";
import { spanTree } from "../telemetry/tree.js";

/** `TestResult.evidence` (issue-10b's shape); read when a result carries it. */
export interface Evidence {
  readonly level: "telemetry" | "exit-codes";
  readonly rules: number;
  readonly spans: number;
  readonly bySource: Readonly<Record<string, number>>;
}

export interface HtmlSpan {
  readonly id: string;
  readonly parent?: string;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly statusMessage?: string;
  readonly source: string;
  readonly scope?: string;
  readonly depth: number;
  /** Start, relative to the trace's first span, and duration, in milliseconds. */
  readonly startMs: number;
  readonly durMs: number;
  readonly startIso?: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly resource: Readonly<Record<string, AttrValue>>;
  readonly events: readonly { name: string; atMs?: number; attrs: Record<string, AttrValue> }[];
}

export interface HtmlTrace {
  readonly traceId: string;
  readonly totalMs: number;
  readonly spans: readonly HtmlSpan[];
}

export interface HtmlTest {
  readonly index: number;
  readonly name: string;
  readonly file: string;
  readonly status: "passed" | "failed" | "cached";
  readonly durationMs: number;
  readonly specHash: string;
  readonly digest?: string;
  readonly completion?: string;
  readonly sources: Readonly<Record<string, number>>;
  readonly evidence?: Evidence;
  readonly error?: ErrorInfo;
  readonly findings: readonly Finding[];
  readonly firstFailure?: Finding;
  readonly scenarios: readonly {
    name: string;
    status: string;
    durationMs: number;
    steps: readonly {
      name: string;
      service?: string;
      argv: readonly string[];
      exitCode?: number;
      status: string;
      durationMs: number;
      timedOut: boolean;
      stdout: string;
      stderr: string;
    }[];
  }[];
  readonly containers: readonly ContainerLog[];
  readonly warnings: readonly string[];
  readonly seed?: number;
  readonly freezeClock?: string;
  readonly traces: readonly HtmlTrace[];
}

export interface HtmlData {
  readonly run: {
    readonly runId: string;
    readonly startedAt: string;
    readonly durationMs: number;
    readonly interrupted: boolean;
    readonly generatedAt: string;
    readonly node: string;
    readonly platform: string;
    readonly counts: { tests: number; passed: number; failed: number; cached: number };
  };
  readonly tests: readonly HtmlTest[];
}

/** Logs longer than this keep their last part only (a report must stay openable). */
const LOG_LIMIT = 100_000;
const tail = (s: string): string =>
  s.length > LOG_LIMIT
    ? `… (${s.length - LOG_LIMIT} earlier characters cut)\n${s.slice(-LOG_LIMIT)}`
    : s;

const ms = (ns: bigint): number => Number(ns) / 1e6;

/** Spans grouped by trace (largest first), each in tree order with depth and relative times. */
function traces(spans: readonly Span[]): HtmlTrace[] {
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    const g = groups.get(s.traceId);
    if (g) g.push(s);
    else groups.set(s.traceId, [s]);
  }
  return [...groups.entries()]
    .map(([traceId, group]) => traceOf(traceId, group))
    .sort((a, b) => b.spans.length - a.spans.length || a.traceId.localeCompare(b.traceId));
}

function traceOf(traceId: string, spans: readonly Span[]): HtmlTrace {
  const tree = spanTree(spans);
  let t0: bigint | undefined;
  for (const s of spans)
    if (s.startNs !== undefined && (t0 === undefined || s.startNs < t0)) t0 = s.startNs;
  const base = t0 ?? 0n;
  const byStart = (a: Span, b: Span): number => Number((a.startNs ?? 0n) - (b.startNs ?? 0n));
  const out: HtmlSpan[] = [];
  const seen = new Set<string>();
  const walk = (s: Span, depth: number): void => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    out.push({
      id: s.spanId,
      parent: s.parentSpanId,
      name: s.name,
      kind: s.kind ?? "unspecified",
      status: s.status.code,
      statusMessage: s.status.message,
      source: s.source,
      scope: s.scope ? [s.scope.name, s.scope.version].filter(Boolean).join(" ") : undefined,
      depth,
      startMs: s.startNs !== undefined ? ms(s.startNs - base) : 0,
      durMs: s.startNs !== undefined && s.endNs !== undefined ? ms(s.endNs - s.startNs) : 0,
      startIso:
        s.startNs !== undefined
          ? new Date(Number(s.startNs / 1_000_000n)).toISOString()
          : undefined,
      attrs: { ...s.attributes },
      resource: { ...s.resource },
      events: s.events.map((e) => ({
        name: e.name,
        atMs: e.timeNs !== undefined ? ms(e.timeNs - base) : undefined,
        attrs: { ...e.attributes },
      })),
    });
    for (const c of [...tree.children(s.spanId)].sort(byStart)) walk(c, depth + 1);
  };
  for (const r of [...tree.roots].sort(byStart)) walk(r, 0);
  const totalMs = Math.max(0.001, ...out.map((s) => s.startMs + s.durMs));
  return { traceId, totalMs, spans: out };
}

function statusOf(t: TestResult): HtmlTest["status"] {
  if (t.verdict === "failed") return "failed";
  const cached =
    t.cached === true ||
    (t.scenarios.length > 0 && t.scenarios.every((s) => s.status === "cached"));
  return cached ? "cached" : "passed";
}

function testData(t: TestResult, index: number, spans: readonly Span[]): HtmlTest {
  const evidence = (t as TestResult & { readonly evidence?: Evidence }).evidence;
  return {
    index,
    name: t.name,
    file: t.file,
    status: statusOf(t),
    durationMs: t.durationMs,
    specHash: t.specHash,
    digest: t.telemetry?.digest,
    completion: t.telemetry?.completion,
    sources: t.telemetry?.sources ?? {},
    evidence,
    error: t.error,
    findings: t.findings,
    firstFailure: t.firstFailure ?? t.findings[0],
    scenarios: t.scenarios.map((s) => ({
      name: s.name,
      status: s.status,
      durationMs: s.durationMs,
      steps: s.steps.map((st) => ({
        name: st.name,
        service: st.service,
        argv: st.argv,
        exitCode: st.exitCode,
        status: st.status,
        durationMs: st.durationMs,
        timedOut: st.timedOut,
        stdout: tail(st.stdout),
        stderr: tail(st.stderr),
      })),
    })),
    containers: t.containers.map((c) => ({ ...c, stdout: tail(c.stdout), stderr: tail(c.stderr) })),
    warnings: t.warnings,
    seed: t.seed,
    freezeClock: t.freezeClock,
    traces: traces(spans),
  };
}

export function htmlData(
  run: RunResult,
  spansPerTest: readonly (readonly Span[])[],
  now: Date = new Date(),
): HtmlData {
  const tests = run.tests.map((t, i) => testData(t, i, spansPerTest[i] ?? []));
  return {
    run: {
      runId: run.runId,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      interrupted: run.interrupted,
      generatedAt: now.toISOString(),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      counts: {
        tests: tests.length,
        passed: tests.filter((t) => t.status === "passed").length,
        failed: tests.filter((t) => t.status === "failed").length,
        cached: tests.filter((t) => t.status === "cached").length,
      },
    },
    tests,
  };
}
