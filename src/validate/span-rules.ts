/**
 * [[expect.span]]: a span with this name exists and satisfies every declared constraint (any
 * matching span counts).
 */
import type { Finding } from "../core/result.js";
import type { SpanExpectation } from "../config/types.js";
import { attrString, durationMs, type Span } from "../telemetry/span.js";
import type { TraceIndex } from "./trace-index.js";

interface Check {
  readonly rule: string;
  readonly expected: string;
  /** undefined when satisfied, else what was observed */
  readonly test: (s: Span) => string | undefined;
}

function checksFor(e: SpanExpectation, idx: TraceIndex): Check[] {
  const base = `expect.span[${e.name}]`;
  const checks: Check[] = [];
  if (e.kind)
    checks.push({
      rule: `${base}.kind`,
      expected: e.kind,
      test: (s) => (s.kind === e.kind ? undefined : (s.kind ?? "unspecified")),
    });
  if (e.parent) {
    const parent = e.parent;
    checks.push({
      rule: `${base}.parent`,
      expected: parent,
      test: (s) => {
        const p = idx.parentOf(s);
        return p?.name === parent
          ? undefined
          : p
            ? p.name
            : s.parentSpanId
              ? `unknown parent ${s.parentSpanId}`
              : "no parent (root span)";
      },
    });
  }
  if (e.attrsAll && Object.keys(e.attrsAll).length) {
    const all = e.attrsAll;
    checks.push({
      rule: `${base}.attrs.all`,
      expected: fmt(all),
      test: (s) => {
        const bad = Object.entries(all).filter(([k, v]) => attrString(s.attributes[k]) !== v);
        return bad.length
          ? bad.map(([k]) => `${k}=${attrString(s.attributes[k]) ?? "(absent)"}`).join(", ")
          : undefined;
      },
    });
  }
  if (e.attrsAny && Object.keys(e.attrsAny).length) {
    const any = e.attrsAny;
    checks.push({
      rule: `${base}.attrs.any`,
      expected: `one of ${fmt(any)}`,
      test: (s) =>
        Object.entries(any).some(([k, v]) =>
          v === "" ? k in s.attributes : attrString(s.attributes[k]) === v,
        )
          ? undefined
          : Object.keys(any)
              .map((k) => `${k}=${attrString(s.attributes[k]) ?? "(absent)"}`)
              .join(", "),
    });
  }
  const names = (s: Span): string[] => s.events.map((ev) => ev.name);
  if (e.eventsAny?.length) {
    const any = e.eventsAny;
    checks.push({
      rule: `${base}.events.any`,
      expected: `one of [${any.join(", ")}]`,
      test: (s) => (any.some((n) => names(s).includes(n)) ? undefined : `[${names(s).join(", ")}]`),
    });
  }
  if (e.eventsAll?.length) {
    const all = e.eventsAll;
    checks.push({
      rule: `${base}.events.all`,
      expected: `all of [${all.join(", ")}]`,
      test: (s) =>
        all.every((n) => names(s).includes(n)) ? undefined : `[${names(s).join(", ")}]`,
    });
  }
  if (e.durationMs && (e.durationMs.min !== undefined || e.durationMs.max !== undefined)) {
    const { min, max } = e.durationMs;
    checks.push({
      rule: `${base}.duration_ms`,
      expected: `${min ?? 0} ≤ ms ≤ ${max ?? "∞"}`,
      test: (s) => {
        const d = durationMs(s);
        if (d === undefined) return "no start/end timestamps";
        return (min === undefined || d >= min) && (max === undefined || d <= max)
          ? undefined
          : `${d.toFixed(3)}ms`;
      },
    });
  }
  return checks;
}

function fmt(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

export function validateSpans(
  expectations: readonly SpanExpectation[],
  idx: TraceIndex,
): Finding[] {
  const findings: Finding[] = [];
  for (const e of expectations) {
    const candidates = idx.named(e.name);
    if (candidates.length === 0) {
      const others = [...idx.byName.keys()].slice(0, 10);
      const more = idx.byName.size > 10 ? ", …" : "";
      const seen =
        idx.spans.length === 0
          ? " (no spans were collected at all)"
          : ` (received ${idx.spans.length} spans: ${others.join(", ")}${more})`;
      findings.push({
        rule: `expect.span[${e.name}].existence`,
        message: `no span named "${e.name}" was received${seen}`,
        expected: `a span named "${e.name}"`,
        actual: idx.spans.length === 0 ? "no spans" : `${idx.byName.size} other span names`,
        keyPath: `expect.span[${e.index}]`,
      });
      continue;
    }
    const checks = checksFor(e, idx);
    // Any matching span may satisfy the expectation; report the closest candidate's first failure.
    let best: { span: Span; failed: { check: Check; observed: string }[] } | undefined;
    for (const span of candidates) {
      const failed = checks.flatMap((c) => {
        const observed = c.test(span);
        return observed === undefined ? [] : [{ check: c, observed }];
      });
      if (failed.length === 0) {
        best = undefined;
        break;
      }
      if (!best || failed.length < best.failed.length) best = { span, failed };
    }
    if (!best) continue;
    const first = best.failed[0]!;
    const check = first.check.rule.slice(first.check.rule.lastIndexOf("]") + 2);
    findings.push({
      rule: first.check.rule,
      message:
        `${candidates.length} span(s) named "${e.name}", none satisfies ${check}: ` +
        `expected ${first.check.expected}, found ${first.observed}`,
      expected: first.check.expected,
      actual: first.observed,
      spanIds: [best.span.spanId],
      spanNames: [best.span.name],
      keyPath: `expect.span[${e.index}]`,
    });
  }
  return findings;
}
