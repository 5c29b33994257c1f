/**
 * [expect.counts] and [expect.status]. Errors and status come from the span status, not attributes.
 */
import type { Finding } from "../core/result.js";
import type { CountBound, Expectations } from "../config/types.js";
import type { Span } from "../telemetry/span.js";
import type { TraceIndex } from "./trace-index.js";

function boundFailure(b: CountBound, n: number): string | undefined {
  if (b.eq !== undefined && n !== b.eq) return `= ${b.eq}`;
  if (b.gte !== undefined && n < b.gte) return `≥ ${b.gte}`;
  if (b.lte !== undefined && n > b.lte) return `≤ ${b.lte}`;
  return undefined;
}

export function validateCounts(c: NonNullable<Expectations["counts"]>, idx: TraceIndex): Finding[] {
  const out: Finding[] = [];
  // `spans`, when given, are the spans counted: a failure lists them (e.g. the N+1 queries).
  const check = (
    rule: string,
    what: string,
    b: CountBound | undefined,
    n: number,
    spans?: readonly Span[],
  ): void => {
    if (!b) return;
    const want = boundFailure(b, n);
    if (want)
      out.push({
        rule,
        message: `${what} is ${n}, expected ${want}`,
        expected: want,
        actual: String(n),
        ...(spans?.length
          ? {
              spanIds: spans.slice(0, 50).map((s) => s.spanId),
              spanNames: [...new Set(spans.map((s) => s.name))],
            }
          : {}),
      });
  };
  check("expect.counts.spans_total", "the number of spans", c.spansTotal, idx.spans.length);
  check(
    "expect.counts.events_total",
    "the number of span events",
    c.eventsTotal,
    idx.spans.reduce((n, s) => n + s.events.length, 0),
  );
  check(
    "expect.counts.errors_total",
    "the number of spans with status ERROR",
    c.errorsTotal,
    idx.spans.filter((s) => s.status.code === "ERROR").length,
    idx.spans.filter((s) => s.status.code === "ERROR"),
  );
  for (const [pattern, b] of Object.entries(c.byName))
    check(
      `expect.counts.by_name[${pattern}]`,
      `the number of spans named "${pattern}"`,
      b,
      idx.matching(pattern).length,
      idx.matching(pattern),
    );
  for (const [kind, b] of Object.entries(c.byKind))
    check(
      `expect.counts.by_kind[${kind}]`,
      `the number of ${kind} spans`,
      b,
      idx.spans.filter((s) => s.kind === kind.toLowerCase()).length,
    );
  return out;
}

export function validateStatus(
  st: NonNullable<Expectations["status"]>,
  idx: TraceIndex,
): Finding[] {
  const out: Finding[] = [];
  if (st.all) {
    const bad = idx.spans.filter((s) => s.status.code !== st.all);
    if (bad.length)
      out.push({
        rule: "expect.status.all",
        message: `${bad.length} span(s) do not have status ${st.all}: ${bad
          .slice(0, 5)
          .map((s) => `${s.name}=${s.status.code}`)
          .join(", ")}`,
        expected: st.all,
        actual: bad[0]!.status.code,
        spanIds: bad.map((s) => s.spanId),
        spanNames: bad.map((s) => s.name),
      });
  }
  for (const [pattern, want] of Object.entries(st.byName)) {
    const rule = `expect.status.by_name[${pattern}]`;
    const matched = idx.matching(pattern);
    if (matched.length === 0) {
      out.push({
        rule,
        message: `no span matches "${pattern}"`,
        expected: `spans matching "${pattern}" with status ${want}`,
        actual: "none",
      });
      continue;
    }
    const bad = matched.filter((s) => s.status.code !== want);
    if (bad.length)
      out.push({
        rule,
        message: `${bad.length} span(s) matching "${pattern}" do not have status ${want}: ${bad
          .slice(0, 5)
          .map(
            (s) => `${s.name}=${s.status.code}${s.status.message ? ` (${s.status.message})` : ""}`,
          )
          .join(", ")}`,
        expected: want,
        actual: bad[0]!.status.code,
        spanIds: bad.map((s) => s.spanId),
        spanNames: bad.map((s) => s.name),
      });
  }
  return out;
}
