/**
 * The list of rules a test's expectations declare, in the canonical order the validators run
 * them. Reports count them (the evidence level: "N rules over M spans") and JUnit gives each
 * one a testcase; a finding belongs to the rule whose id prefixes its own rule id.
 */
import type { DeclaredRule, Evidence } from "../core/result.js";
import type { Expectations } from "../config/types.js";
import type { Span } from "../telemetry/span.js";

export type { DeclaredRule };

const pairs = (base: string, list: readonly (readonly [string, string])[]): DeclaredRule[] =>
  list.map(([a, b]) => ({ id: `${base}[${a}→${b}]` }));

export function declaredRules(e: Expectations): DeclaredRule[] {
  const out: DeclaredRule[] = e.spans.map((s) => ({
    id: `expect.span[${s.name}]`,
    keyPath: `expect.span[${s.index}]`,
  }));
  if (e.graph) {
    out.push(...pairs("expect.graph.must_include", e.graph.mustInclude));
    out.push(...pairs("expect.graph.must_not_cross", e.graph.mustNotCross));
    if (e.graph.acyclic) out.push({ id: "expect.graph.acyclic" });
  }
  if (e.counts) {
    const c = e.counts;
    if (c.spansTotal) out.push({ id: "expect.counts.spans_total" });
    if (c.eventsTotal) out.push({ id: "expect.counts.events_total" });
    if (c.errorsTotal) out.push({ id: "expect.counts.errors_total" });
    for (const k of Object.keys(c.byName)) out.push({ id: `expect.counts.by_name[${k}]` });
    for (const k of Object.keys(c.byKind)) out.push({ id: `expect.counts.by_kind[${k}]` });
  }
  for (const w of e.windows)
    for (const inner of w.contains)
      out.push({ id: `expect.window[${w.outer}].contains[${inner}]` });
  if (e.order) {
    out.push(...pairs("expect.order.must_precede", e.order.mustPrecede));
    out.push(...pairs("expect.order.must_follow", e.order.mustFollow));
  }
  if (e.status) {
    if (e.status.all) out.push({ id: "expect.status.all" });
    for (const k of Object.keys(e.status.byName)) out.push({ id: `expect.status.by_name[${k}]` });
  }
  if (e.hermeticity) {
    const h = e.hermeticity;
    if (h.noExternalServices) out.push({ id: "expect.hermeticity.no_external_services" });
    for (const k of Object.keys(h.resourceMustMatch))
      out.push({ id: `expect.hermeticity.resource_attrs.must_match[${k}]` });
    for (const k of h.forbidKeys)
      out.push({ id: `expect.hermeticity.span_attrs.forbid_keys[${k}]` });
  }
  return out;
}

/**
 * What proved a verdict: the rules evaluated over the spans (by source), or only the exit
 * codes of the scenarios when the test declares no `[expect…]` block.
 */
export function evidenceOf(
  e: Expectations,
  hasExpectations: boolean,
  spans: readonly Span[],
): Evidence {
  const bySource: Record<string, number> = {};
  for (const s of spans) bySource[s.source] = (bySource[s.source] ?? 0) + 1;
  return {
    level: hasExpectations ? "telemetry" : "exit-codes",
    rules: hasExpectations ? declaredRules(e).length : 0,
    spans: spans.length,
    bySource,
  };
}
