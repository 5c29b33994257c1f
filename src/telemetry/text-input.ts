/**
 * Spans from text: scenario stdout or trace files. Accepted per line or as a whole
 * document: NDJSON flat spans (snake_case or camelCase keys), OTLP/JSON export documents,
 * `{"spans":[…]}` wrappers and JSON arrays of spans. Lines that are not spans are ignored.
 */
import { CleanroomError } from "../core/errors.js";
import type { AttrValue, Span, SpanEvent } from "./span.js";
import { anyValue, idHex, kindOf, nanos, requestToSpans, statusOf } from "./otlp/decode.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a whole document first, then line by line. */
export function spansFromText(text: string, source: string): Span[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return spansFromJson(JSON.parse(trimmed), source);
    } catch {
      // not one document: fall through to NDJSON
    }
  }
  const out: Span[] = [];
  for (const line of text.split("\n")) out.push(...spansFromLine(line, source));
  return out;
}

/** The spans of one NDJSON line (stdout parsed as it arrives); none for ordinary output. */
export function spansFromLine(line: string, source: string): Span[] {
  const l = line.trim();
  if (!l.startsWith("{") && !l.startsWith("[")) return [];
  try {
    return spansFromJson(JSON.parse(l), source);
  } catch {
    return []; // not JSON: ordinary output
  }
}

export function spansFromJson(doc: unknown, source: string): Span[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => spansFromJson(d, source));
  if (!isObj(doc)) return [];
  if (Array.isArray(doc.resourceSpans) || Array.isArray(doc.resource_spans))
    return requestToSpans(doc.resourceSpans ? doc : { resourceSpans: doc.resource_spans }, source);
  if (Array.isArray(doc.spans)) return doc.spans.flatMap((d) => spansFromJson(d, source));
  const flat = flatSpan(doc, source);
  return flat ? [flat] : [];
}

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

function attrs(v: unknown): Record<string, AttrValue> {
  if (Array.isArray(v)) {
    const out: Record<string, AttrValue> = {};
    for (const kv of v)
      if (isObj(kv) && typeof kv.key === "string") out[kv.key] = anyValue(kv.value);
    return out;
  }
  if (!isObj(v)) return {};
  const out: Record<string, AttrValue> = {};
  for (const [k, x] of Object.entries(v))
    out[k] =
      isObj(x) && Object.keys(x).some((key) => key.endsWith("Value"))
        ? anyValue(x)
        : (x as AttrValue);
  return out;
}

/** One flat span object, or undefined when the object is not span-like. */
function flatSpan(o: Obj, source: string): Span | undefined {
  const name = pick(o, "name");
  const traceRaw = pick(o, "trace_id", "traceId");
  const spanRaw = pick(o, "span_id", "spanId");
  if (typeof name !== "string" || typeof traceRaw !== "string" || typeof spanRaw !== "string")
    return undefined;
  const traceId = idHex(traceRaw, 16) ?? traceRaw;
  const spanId = idHex(spanRaw, 8) ?? spanRaw;
  const parentRaw = pick(o, "parent_span_id", "parentSpanId");
  const statusRaw = pick(o, "status");
  const statusCode = isObj(statusRaw) ? statusOf(statusRaw.code) : statusOf(statusRaw);
  const events: SpanEvent[] = (Array.isArray(o.events) ? o.events : []).map((e) =>
    typeof e === "string"
      ? { name: e, attributes: {} }
      : {
          name: String((e as Obj).name ?? ""),
          timeNs: nanos(pick(e as Obj, "time_unix_nano", "timeUnixNano", "timestamp")),
          attributes: attrs((e as Obj).attributes),
        },
  );
  const kindRaw = pick(o, "kind");
  return {
    traceId,
    spanId,
    parentSpanId:
      typeof parentRaw === "string" ? (idHex(parentRaw, 8) ?? (parentRaw || undefined)) : undefined,
    name,
    kind: kindOf(typeof kindRaw === "string" ? kindRaw.toLowerCase() : kindRaw),
    startNs: nanos(pick(o, "start_time_unix_nano", "startTimeUnixNano")),
    endNs: nanos(pick(o, "end_time_unix_nano", "endTimeUnixNano")),
    attributes: attrs(o.attributes),
    events,
    links: [],
    status: {
      code: statusCode,
      message:
        isObj(statusRaw) && typeof statusRaw.message === "string"
          ? statusRaw.message || undefined
          : undefined,
    },
    resource: attrs(pick(o, "resource", "resource_attributes", "resourceAttributes")),
    scope: undefined,
    source,
  };
}

/** Spans from a trace file; a file with no spans at all is an error. */
export function spansFromFile(text: string, file: string): Span[] {
  const spans = spansFromText(text, "file");
  if (spans.length === 0 && text.trim().length > 0 && !/"(resourceSpans|spans)"/.test(text))
    throw new CleanroomError(
      "Serialization",
      `${file} holds no spans (expected OTLP/JSON, NDJSON spans, or {"spans": […]})`,
      { context: { file } },
    );
  return spans;
}
