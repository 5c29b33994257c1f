/** [expect.graph], [[expect.window]] and [expect.order]: the shape and timing of the trace. */
import type { Finding } from "../core/result.js";
import type { Expectations } from "../config/types.js";
import type { Span } from "../telemetry/span.js";
import type { TraceIndex } from "./trace-index.js";

const missing = (rule: string, name: string, role: string): Finding => ({
  rule,
  message: `${role} span "${name}" was not received`,
  expected: `a span named "${name}"`,
  actual: "absent",
});

export function validateGraph(g: NonNullable<Expectations["graph"]>, idx: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const [p, c] of g.mustInclude) {
    const rule = `expect.graph.must_include[${p}→${c}]`;
    if (idx.named(p).length === 0) out.push(missing(rule, p, "parent"));
    else if (idx.named(c).length === 0) out.push(missing(rule, c, "child"));
    else if (!idx.named(c).some((s) => idx.parentOf(s)?.name === p)) {
      const parents = [...new Set(idx.named(c).map((s) => idx.parentOf(s)?.name ?? "(root)"))];
      out.push({
        rule,
        message: `no "${c}" span is a child of "${p}"; its parents are: ${parents.join(", ")}`,
        expected: `${p} → ${c}`,
        actual: parents.map((x) => `${x} → ${c}`).join(", "),
        spanIds: idx.named(c).map((s) => s.spanId),
        spanNames: [c],
      });
    }
  }
  for (const [a, b] of g.mustNotCross) {
    const rule = `expect.graph.must_not_cross[${a}→${b}]`;
    for (const s of idx.named(b)) {
      const path = ancestorPath(s, idx, a);
      if (path) {
        out.push({
          rule,
          message: `"${b}" is reached from "${a}": ${path.map((x) => x.name).join(" → ")}`,
          expected: `no path from ${a} to ${b}`,
          actual: path.map((x) => x.name).join(" → "),
          spanIds: path.map((x) => x.spanId),
        });
        break;
      }
    }
  }
  if (g.acyclic) {
    const cycle = findCycle(idx);
    if (cycle)
      out.push({
        rule: "expect.graph.acyclic",
        message: `parent links form a cycle: ${cycle.map((s) => s.name).join(" → ")}`,
        expected: "no cycle",
        actual: cycle.map((s) => s.name).join(" → "),
        spanIds: cycle.map((s) => s.spanId),
      });
  }
  return out;
}

/** The path from an ancestor named `ancestor` down to `s`, or undefined. */
function ancestorPath(s: Span, idx: TraceIndex, ancestor: string): Span[] | undefined {
  const path: Span[] = [s];
  const seen = new Set<string>([s.spanId]);
  let cur = idx.parentOf(s);
  while (cur && !seen.has(cur.spanId)) {
    path.unshift(cur);
    if (cur.name === ancestor) return path;
    seen.add(cur.spanId);
    cur = idx.parentOf(cur);
  }
  return undefined;
}

function findCycle(idx: TraceIndex): Span[] | undefined {
  // by span (not by id: an id is unique within its trace only)
  const done = new Set<Span>();
  for (const start of idx.spans) {
    const trail: Span[] = [];
    const onTrail = new Set<Span>();
    let cur: Span | undefined = start;
    while (cur && !done.has(cur)) {
      if (onTrail.has(cur)) return [...trail.slice(trail.indexOf(cur)), cur];
      onTrail.add(cur);
      trail.push(cur);
      cur = idx.parentOf(cur);
    }
    for (const t of trail) done.add(t);
  }
  return undefined;
}

export function validateWindows(windows: Expectations["windows"], idx: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const w of windows) {
    const outers = idx
      .named(w.outer)
      .filter((s) => s.startNs !== undefined && s.endNs !== undefined);
    for (const inner of w.contains) {
      const rule = `expect.window[${w.outer}].contains[${inner}]`;
      if (idx.named(w.outer).length === 0) {
        out.push(missing(rule, w.outer, "outer"));
        continue;
      }
      const inners = idx
        .named(inner)
        .filter((s) => s.startNs !== undefined && s.endNs !== undefined);
      if (idx.named(inner).length === 0) {
        out.push(missing(rule, inner, "inner"));
        continue;
      }
      const ok = inners.some((i) =>
        outers.some((o) => o.startNs! <= i.startNs! && i.endNs! <= o.endNs!),
      );
      if (!ok) {
        const o = outers[0];
        const i = inners[0];
        out.push({
          rule,
          message: `no "${inner}" span lies within a "${w.outer}" span`,
          expected: `${w.outer}.start ≤ ${inner}.start and ${inner}.end ≤ ${w.outer}.end`,
          actual:
            o && i
              ? `outer [${o.startNs}, ${o.endNs}], inner [${i.startNs}, ${i.endNs}]`
              : "spans without timestamps",
          spanIds: [o?.spanId, i?.spanId].filter((x): x is string => !!x),
        });
      }
    }
  }
  return out;
}

/**
 * `must_precede [A, B]`: every B span has an A span in the same trace that ended before (or
 * when) that B started. `must_follow [A, B]` is `must_precede [B, A]`. A span without the
 * needed timestamp proves nothing: a B without a start fails, an A without an end does not count.
 */
export function validateOrder(o: NonNullable<Expectations["order"]>, idx: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const check = (first: string, second: string, rule: string): void => {
    const as = idx.named(first);
    const bs = idx.named(second);
    if (as.length === 0) return void out.push(missing(rule, first, "earlier"));
    if (bs.length === 0) return void out.push(missing(rule, second, "later"));
    const unordered = bs.filter(
      (b) =>
        b.startNs === undefined ||
        !as.some((a) => a.traceId === b.traceId && a.endNs !== undefined && a.endNs <= b.startNs!),
    );
    if (unordered.length === 0) return;
    const b = unordered[0]!;
    const sameTrace = as.filter((a) => a.traceId === b.traceId);
    const a = sameTrace[0] ?? as[0]!;
    out.push({
      rule,
      message:
        `${unordered.length} of ${bs.length} "${second}" span(s) have no "${first}" span ` +
        `that ended before they started${sameTrace.length ? "" : " in the same trace"}`,
      expected: `every ${second} starts after some ${first} of its trace ended`,
      actual:
        b.startNs === undefined
          ? `${second} ${b.spanId} has no start time`
          : `${second} ${b.spanId} starts ${b.startNs}; ` +
            `${first} ${a.spanId} ends ${a.endNs ?? "?"}` +
            (sameTrace.length ? "" : " (another trace)"),
      spanIds: [b.spanId, a.spanId],
      spanNames: [second, first],
    });
  };
  for (const [a, b] of o.mustPrecede) check(a, b, `expect.order.must_precede[${a}→${b}]`);
  for (const [a, b] of o.mustFollow) check(b, a, `expect.order.must_follow[${a}→${b}]`);
  return out;
}
