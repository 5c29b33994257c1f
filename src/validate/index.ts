/**
 * Runs every declared expectation block against a span set, in the canonical order
 * span → graph → counts → window → order → status → hermeticity. Unmet expectations are
 * Findings (never exceptions); the first one is the test's first failing rule.
 */
import type { Finding } from "../core/result.js";
import type { Expectations } from "../config/types.js";
import type { Span } from "../telemetry/span.js";
import { TraceIndex } from "./trace-index.js";
import { validateSpans } from "./span-rules.js";
import { validateGraph, validateOrder, validateWindows } from "./graph-rules.js";
import { validateCounts, validateStatus } from "./count-rules.js";
import { validateHermeticity } from "./hermeticity-rules.js";

export interface ValidationContext {
  /**
   * Peers a span may name under no_external_services: the test's service ids, the gateway, and
   * address ranges in CIDR form (`172.22.0.0/16`, the test network's subnet).
   */
  readonly allowedHosts: ReadonlySet<string>;
  /**
   * Addresses of the host itself (the test network's gateway): a peer there is outside the test
   * (a database on the developer's machine) unless `address:port` is in allowedHosts (the
   * test's own OTLP receiver).
   */
  readonly hostAddresses?: ReadonlySet<string>;
}

function declaredBlocks(e: Expectations): string[] {
  const b: string[] = [];
  if (e.spans.length) b.push("span");
  if (e.graph) b.push("graph");
  if (e.counts) b.push("counts");
  if (e.windows.length) b.push("window");
  if (e.order) b.push("order");
  if (e.status) b.push("status");
  if (e.hermeticity) b.push("hermeticity");
  return b;
}

export function validateExpectations(
  e: Expectations,
  spans: readonly Span[],
  ctx: ValidationContext = { allowedHosts: new Set() },
): Finding[] {
  const idx = new TraceIndex(spans);
  const findings: Finding[] = [
    ...validateSpans(e.spans, idx),
    ...(e.graph ? validateGraph(e.graph, idx) : []),
    ...(e.counts ? validateCounts(e.counts, idx) : []),
    ...validateWindows(e.windows, idx),
    ...(e.order ? validateOrder(e.order, idx) : []),
    ...(e.status ? validateStatus(e.status, idx) : []),
    ...(e.hermeticity
      ? validateHermeticity(e.hermeticity, idx, ctx.allowedHosts, ctx.hostAddresses)
      : []),
  ];
  const blocks = declaredBlocks(e);
  if (spans.length === 0 && blocks.length > 0)
    findings.push({
      rule: `expect.${blocks[0]}.no_spans_collected`,
      message:
        `expectations are declared ([expect.${blocks.join("], [expect.")}]) ` +
        "but no spans were collected: the software under test sent nothing to the OTLP " +
        "receiver and printed no spans",
      expected: "at least one span",
      actual: "0 spans",
    });
  return findings;
}
