/**
 * Normalized form of a trace: spans in canonical tree order, ids replaced by positions,
 * timestamps removed, volatile attributes masked, keys sorted. Its SHA-256 is the trace
 * digest: the same work gives the same digest; a changed span changes it.
 */
import { createHash } from "node:crypto";
import type { AttrValue, Span } from "./span.js";
import { spanTree } from "./tree.js";

// Written as joined strings to stay within 100 columns: one alternation each.
const VOLATILE_KEY = new RegExp(
  String.raw`^(host\.|process\.|os\.|container\.id$|service\.instance\.id$|thread\.` +
    String.raw`|clnrm\.run[._]id$|clnrm\.test\.id$|clnrm\.scenario\.id$|telemetry\.sdk\.version$)` +
    String.raw`|(\.|_)(time|timestamp|time_unix_nano|duration(_ms|_ns)?|pid|uuid)$`,
);
const VOLATILE_VALUE = new RegExp(
  String.raw`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` +
    String.raw`|[0-9a-f]{16}|[0-9a-f]{32}` +
    String.raw`|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$`,
  "i",
);

export interface NormalizedSpan {
  readonly pos: number;
  readonly parent: number | null;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly attributes: Record<string, AttrValue>;
  readonly events: { readonly name: string; readonly attributes: Record<string, AttrValue> }[];
  readonly resource: Record<string, AttrValue>;
}

function mask(attrs: Readonly<Record<string, AttrValue>>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const k of Object.keys(attrs).sort()) {
    const v = attrs[k]!;
    out[k] =
      VOLATILE_KEY.test(k) || (typeof v === "string" && VOLATILE_VALUE.test(v)) ? "<masked>" : v;
  }
  return out;
}

const orderKey = (s: Span): string =>
  `${s.name}\u0000${(s.startNs ?? 0n).toString().padStart(24, "0")}\u0000${s.spanId}`;

/**
 * Canonical order: roots (spans whose parent was not received) by name then start, each followed by
 * its subtree.
 */
export function normalizeTrace(spans: readonly Span[]): NormalizedSpan[] {
  const tree = spanTree(spans);
  const byKey = (a: Span, b: Span): number => (orderKey(a) < orderKey(b) ? -1 : 1);
  const out: NormalizedSpan[] = [];
  const visited = new Set<string>();
  const visit = (s: Span, parent: number | null): void => {
    if (visited.has(s.spanId)) return;
    visited.add(s.spanId);
    const pos = out.length;
    out.push({
      pos,
      parent,
      name: s.name,
      kind: s.kind ?? "unspecified",
      status: s.status.code,
      attributes: mask(s.attributes),
      events: s.events
        .map((e) => ({ name: e.name, attributes: mask(e.attributes) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      resource: mask(s.resource),
    });
    for (const c of [...tree.children(s.spanId)].sort(byKey)) visit(c, pos);
  };
  for (const r of [...tree.roots].sort(byKey)) visit(r, null);
  // Members of parent cycles, never reached from a root.
  for (const s of spans.filter((x) => !visited.has(x.spanId)).sort(byKey)) visit(s, null);
  return out;
}

/** Canonical JSON: object keys sorted at every level. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x as object)
            .sort()
            .map((k) => [k, (x as Record<string, unknown>)[k]]),
        )
      : typeof x === "bigint"
        ? x.toString()
        : x,
  );
}

export function traceDigest(spans: readonly Span[]): string {
  return createHash("sha256")
    .update(canonicalJson(normalizeTrace(spans)))
    .digest("hex");
}
