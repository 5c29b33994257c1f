/**
 * Domain spans back to an OTLP/JSON ExportTraceServiceRequest document (for bundles and baselines).
 */
import type { AttrValue, Span } from "../span.js";

const KIND_NUMBER: Record<string, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
const STATUS_NUMBER: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

function anyValue(v: AttrValue): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number")
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v as Record<string, AttrValue>) } };
}

const keyValues = (attrs: Readonly<Record<string, AttrValue>>): Record<string, unknown>[] =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));

export function spansToOtlpJson(spans: readonly Span[]): Record<string, unknown> {
  const byResource = new Map<string, Span[]>();
  for (const s of spans) {
    const k = JSON.stringify(s.resource);
    byResource.set(k, [...(byResource.get(k) ?? []), s]);
  }
  return {
    resourceSpans: [...byResource.values()].map((group) => ({
      resource: { attributes: keyValues(group[0]!.resource) },
      scopeSpans: [
        {
          scope: { name: group[0]!.scope?.name ?? "", version: group[0]!.scope?.version ?? "" },
          spans: group.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? "",
            name: s.name,
            kind: s.kind ? KIND_NUMBER[s.kind] : 0,
            startTimeUnixNano: s.startNs?.toString() ?? "0",
            endTimeUnixNano: s.endNs?.toString() ?? "0",
            attributes: keyValues(s.attributes),
            events: s.events.map((e) => ({
              name: e.name,
              timeUnixNano: e.timeNs?.toString() ?? "0",
              attributes: keyValues(e.attributes),
            })),
            status: {
              code: STATUS_NUMBER[s.status.code] ?? 0,
              ...(s.status.message ? { message: s.status.message } : {}),
            },
          })),
        },
      ],
    })),
  };
}
