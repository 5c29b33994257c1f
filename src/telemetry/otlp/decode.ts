/**
 * Converts OTLP trace exports (protobuf-decoded messages or OTLP/JSON documents) into domain
 * spans. The decoded protobuf message is walked directly (no toObject copy), so both wire
 * forms go through the same code.
 */
import { gunzipSync } from "node:zlib";
import { CleanroomError } from "../../core/errors.js";
import type { SpanKindName, StatusName } from "../../config/types.js";
import {
  KIND_BY_NUMBER,
  STATUS_BY_NUMBER,
  type AttrValue,
  type Span,
  type SpanEvent,
} from "../span.js";
import { ExportTraceServiceRequest } from "./wire.js";

type Obj = Record<string, unknown>;
const has = (o: unknown, k: string): boolean =>
  typeof o === "object" && o !== null && Object.hasOwn(o, k);
const get = (o: unknown, k: string): unknown =>
  typeof o === "object" && o !== null ? (o as Obj)[k] : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Hex id from bytes, hex or base64 text. An empty or all-zero id is "no id". */
export function idHex(v: unknown, bytes: 8 | 16): string | undefined {
  let hex: string;
  if (v instanceof Uint8Array)
    hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  else if (typeof v === "string") {
    if (v.length === 0) return undefined;
    hex =
      v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)
        ? v.toLowerCase()
        : Buffer.from(v, "base64").toString("hex");
  } else return undefined;
  return hex.length === 0 || /^0+$/.test(hex) ? undefined : hex;
}

/** A uint64 nanosecond value from a number, numeric string, or protobufjs Long. */
export function nanos(v: unknown): bigint | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.round(v)) : undefined;
  if (typeof v === "string") return /^\d+$/.test(v) ? BigInt(v) : undefined;
  if (has(v, "low") && has(v, "high")) {
    const l = v as { low: number; high: number };
    return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  }
  return undefined;
}

export function anyValue(v: unknown): AttrValue {
  if (v === null || typeof v !== "object") return (v as AttrValue) ?? null;
  if (has(v, "stringValue")) return String(get(v, "stringValue"));
  if (has(v, "boolValue")) return Boolean(get(v, "boolValue"));
  if (has(v, "intValue")) {
    const raw = get(v, "intValue");
    if (typeof raw === "number") return raw;
    if (has(raw, "low")) {
      const l = raw as { low: number; high: number };
      // Fast path for values that fit a double exactly (nearly all attribute ints).
      if (l.high >= -0x200000 && l.high < 0x200000) return l.high * 4294967296 + (l.low >>> 0);
    }
    const n = nanos(raw) ?? BigInt(Number(raw));
    return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
  }
  if (has(v, "doubleValue")) return Number(get(v, "doubleValue"));
  if (has(v, "arrayValue")) return list(get(get(v, "arrayValue"), "values")).map(anyValue);
  if (has(v, "kvlistValue")) return keyValues(get(get(v, "kvlistValue"), "values"));
  if (has(v, "bytesValue")) {
    const b = get(v, "bytesValue");
    return b instanceof Uint8Array ? Buffer.from(b).toString("base64") : String(b);
  }
  return null;
}

export function keyValues(kvs: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list(kvs)) out[String(get(kv, "key"))] = anyValue(get(kv, "value"));
  return out;
}

export function kindOf(v: unknown): SpanKindName | undefined {
  if (typeof v === "number") return KIND_BY_NUMBER[v];
  if (typeof v !== "string") return undefined;
  const s = v.toLowerCase().replace(/^span_kind_/, "");
  return (["internal", "server", "client", "producer", "consumer"] as const).find((k) => k === s);
}

export function statusOf(v: unknown): StatusName {
  if (typeof v === "number") return STATUS_BY_NUMBER[v] ?? "UNSET";
  if (typeof v !== "string") return "UNSET";
  const s = v.toUpperCase().replace(/^STATUS_CODE_/, "");
  return s === "OK" || s === "ERROR" ? s : "UNSET";
}

/** Domain spans from an ExportTraceServiceRequest in either wire form. */
export function requestToSpans(req: unknown, source: string): Span[] {
  const out: Span[] = [];
  for (const rs of list(get(req, "resourceSpans"))) {
    const resource = keyValues(get(get(rs, "resource"), "attributes"));
    // Both lists: a decoded message has an empty scopeSpans by default, an old sender fills only
    // field 1000.
    for (const ss of [
      ...list(get(rs, "scopeSpans")),
      ...list(get(rs, "instrumentationLibrarySpans")),
    ]) {
      const sc = get(ss, "scope") ?? get(ss, "instrumentationLibrary");
      const scope = sc
        ? {
            name: get(sc, "name") as string | undefined,
            version: get(sc, "version") as string | undefined,
          }
        : undefined;
      for (const s of list(get(ss, "spans"))) {
        const traceId = idHex(get(s, "traceId"), 16);
        const spanId = idHex(get(s, "spanId"), 8);
        if (!traceId || !spanId) continue;
        const status = get(s, "status");
        const events: SpanEvent[] = list(get(s, "events")).map((e) => ({
          name: String(get(e, "name") ?? ""),
          timeNs: nanos(get(e, "timeUnixNano")),
          attributes: keyValues(get(e, "attributes")),
        }));
        out.push({
          traceId,
          spanId,
          parentSpanId: idHex(get(s, "parentSpanId"), 8),
          name: String(get(s, "name") ?? ""),
          kind: kindOf(get(s, "kind")),
          startNs: nanos(get(s, "startTimeUnixNano")),
          endNs: nanos(get(s, "endTimeUnixNano")),
          attributes: keyValues(get(s, "attributes")),
          events,
          links: list(get(s, "links"))
            .map((l) => ({
              traceId: idHex(get(l, "traceId"), 16) ?? "",
              spanId: idHex(get(l, "spanId"), 8) ?? "",
            }))
            .filter((l) => l.spanId),
          status: {
            code: statusOf(get(status, "code")),
            message: (get(status, "message") as string | undefined) || undefined,
          },
          resource,
          scope,
          source,
        });
      }
    }
  }
  return out;
}

/** The most bytes a gzip body may inflate to (a 1 MB gzip of zeros would be ~1 GB). */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;
/** `context.rule` of the error thrown when a body inflates past the limit (HTTP 413). */
export const INFLATE_LIMIT_RULE = "otlp.max_inflated_bytes";

/** Decodes an HTTP request body (protobuf or JSON, optionally gzip) into spans. */
export function decodeExport(
  body: Buffer,
  contentType: string,
  contentEncoding?: string,
  maxInflated = MAX_INFLATED_BYTES,
): Span[] {
  let buf = body;
  if (contentEncoding === "gzip") {
    try {
      // zlib stops inflating at maxOutputLength (ERR_BUFFER_TOO_LARGE): memory stays bounded
      buf = gunzipSync(body, { maxOutputLength: maxInflated });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
        throw new CleanroomError(
          "Serialization",
          `gzip body inflates past the ${mib(maxInflated)} limit (${mib(body.length)} ` +
            `compressed); send smaller batches`,
          { context: { rule: INFLATE_LIMIT_RULE } },
        );
      throw new CleanroomError(
        "Serialization",
        `gzip body cannot be decompressed: ${(e as Error).message}`,
      );
    }
  }
  if (contentType.includes("json")) {
    let doc: unknown;
    try {
      doc = JSON.parse(buf.toString("utf8"));
    } catch (e) {
      throw new CleanroomError(
        "Serialization",
        `OTLP/JSON body is not valid JSON: ${(e as Error).message}`,
      );
    }
    return requestToSpans(doc, "otlp-http"); // OTLP/JSON over HTTP: same transport, same source
  }
  let msg: unknown;
  try {
    msg = ExportTraceServiceRequest.decode(buf);
  } catch (e) {
    throw new CleanroomError(
      "Serialization",
      `OTLP protobuf body cannot be decoded: ${(e as Error).message}`,
    );
  }
  return requestToSpans(msg, "otlp-http");
}

const mib = (n: number): string => `${(n / 1048576).toFixed(n < 1048576 ? 2 : 0)} MiB`;
