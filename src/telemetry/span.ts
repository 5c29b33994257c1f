/**
 * The domain span model: what validators and reporters see. Wire formats are converted in
 * telemetry/otlp and telemetry/text-input.
 */
import type { SpanKindName, StatusName } from "../config/types.js";

export type AttrValue =
  | string
  | number
  | boolean
  | null
  | readonly AttrValue[]
  | { readonly [k: string]: AttrValue };

export interface SpanEvent {
  readonly name: string;
  readonly timeNs?: bigint;
  readonly attributes: Readonly<Record<string, AttrValue>>;
}

export interface Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: SpanKindName;
  readonly startNs?: bigint;
  readonly endNs?: bigint;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly events: readonly SpanEvent[];
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly status: { readonly code: StatusName; readonly message?: string };
  readonly resource: Readonly<Record<string, AttrValue>>;
  readonly scope?: { readonly name?: string; readonly version?: string };
  /** Where the span came from: `otlp-http` (protobuf or JSON), `otlp-grpc`, `stdout`, `file`,
   * `cache`. */
  readonly source: string;
}

export const KIND_BY_NUMBER: readonly (SpanKindName | undefined)[] = [
  undefined,
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];
export const STATUS_BY_NUMBER: readonly StatusName[] = ["UNSET", "OK", "ERROR"];

export function durationMs(s: Span): number | undefined {
  if (s.startNs === undefined || s.endNs === undefined) return undefined;
  return Number(s.endNs - s.startNs) / 1e6;
}

/** Renders an attribute value as the string expectations compare against. */
export function attrString(v: AttrValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** JSON-safe form (bigints as strings). */
export function spanToJson(s: Span): Record<string, unknown> {
  return {
    ...s,
    startNs: s.startNs?.toString(),
    endNs: s.endNs?.toString(),
    events: s.events.map((e) => ({ ...e, timeNs: e.timeNs?.toString() })),
  };
}

/**
 * A lossless JSON form of a span (for the cache): unlike OTLP/JSON, a missing timestamp stays
 * missing (OTLP writes 0), ids stay as received, and non-finite numbers survive.
 */
export function spanToStored(s: Span): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(s, (_k, v: unknown) =>
      typeof v === "bigint"
        ? { $ns: v.toString() }
        : typeof v === "number" && !Number.isFinite(v)
          ? { $num: String(v) }
          : v,
    ),
  ) as Record<string, unknown>;
}

export function spanFromStored(o: unknown, source: string): Span {
  const revived = JSON.parse(JSON.stringify(o), (_k, v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const r = v as Record<string, unknown>;
      if (keys.length === 1 && typeof r.$ns === "string") return BigInt(r.$ns);
      if (keys.length === 1 && typeof r.$num === "string") return Number(r.$num);
    }
    return v;
  }) as Span;
  return { ...revived, source };
}
