/** Builds the [expect.*] part of the model. Shapes were already checked by the schema. */
import { arr, num, str, stringMap, tbl } from "./raw.js";
import type {
  CountBound,
  Expectations,
  SpanExpectation,
  SpanKindName,
  StatusName,
} from "./types.js";

type Raw = Record<string, unknown>;

const pairsOf = (v: unknown): [string, string][] =>
  arr(v)
    .filter((p): p is unknown[] => Array.isArray(p) && p.length === 2)
    .map((p) => [String(p[0]), String(p[1])]);

function bound(v: unknown): CountBound | undefined {
  if (v === undefined) return undefined;
  const t = tbl(v);
  return { eq: num(t.eq), gte: num(t.gte), lte: num(t.lte) };
}

/** `attrs.any` comes as a table or as `["key=value", …]`; both mean the same. */
export function attrsAnyOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const item of v) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) out[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
      else out[text.trim()] = "";
    }
    return out;
  }
  return stringMap(v);
}

const status = (v: unknown): StatusName | undefined =>
  typeof v === "string" ? (v.toUpperCase() as StatusName) : undefined;

export function buildExpectations(e: Raw): { expect: Expectations; hasExpectations: boolean } {
  const spans: SpanExpectation[] = arr(e.span).map((x, index) => {
    const s = tbl(x);
    const attrs = tbl(s.attrs);
    const events = tbl(s.events);
    const dur = s.duration_ms === undefined ? undefined : tbl(s.duration_ms);
    return {
      name: str(s.name) ?? "",
      parent: str(s.parent),
      kind: typeof s.kind === "string" ? (s.kind.toLowerCase() as SpanKindName) : undefined,
      attrsAll: attrs.all === undefined ? undefined : stringMap(attrs.all),
      attrsAny: attrsAnyOf(attrs.any),
      eventsAny: events.any === undefined ? undefined : arr(events.any).map(String),
      eventsAll: events.all === undefined ? undefined : arr(events.all).map(String),
      durationMs: dur ? { min: num(dur.min), max: num(dur.max) } : undefined,
      index,
    };
  });
  const g = tbl(e.graph);
  const c = tbl(e.counts);
  const o = tbl(e.order);
  const st = tbl(e.status);
  const h = tbl(e.hermeticity);
  const byName = (v: unknown): Record<string, CountBound> =>
    Object.fromEntries(Object.entries(tbl(v)).map(([k, b]) => [k, bound(b) ?? {}]));
  const expect: Expectations = {
    spans,
    graph:
      e.graph === undefined
        ? undefined
        : {
            mustInclude: pairsOf(g.must_include),
            mustNotCross: pairsOf(g.must_not_cross),
            acyclic: g.acyclic === true ? true : undefined,
          },
    counts:
      e.counts === undefined
        ? undefined
        : {
            spansTotal: bound(c.spans_total),
            eventsTotal: bound(c.events_total),
            errorsTotal: bound(c.errors_total),
            byName: byName(c.by_name),
            byKind: byName(c.by_kind),
          },
    windows: arr(e.window).map((w) => ({
      outer: str(tbl(w).outer) ?? "",
      contains: arr(tbl(w).contains).map(String),
    })),
    order:
      e.order === undefined
        ? undefined
        : { mustPrecede: pairsOf(o.must_precede), mustFollow: pairsOf(o.must_follow) },
    status:
      e.status === undefined
        ? undefined
        : {
            all: status(st.all),
            byName: Object.fromEntries(
              Object.entries(tbl(st.by_name)).map(([k, v]) => [k, status(v)!]),
            ),
          },
    hermeticity:
      e.hermeticity === undefined
        ? undefined
        : {
            noExternalServices:
              typeof h.no_external_services === "boolean" ? h.no_external_services : undefined,
            resourceMustMatch: {
              ...stringMap(h.resource_attrs_must_match),
              ...stringMap(tbl(h.resource_attrs).must_match),
            },
            forbidKeys: [
              ...arr(h.span_attrs_forbid_keys),
              ...arr(tbl(h.span_attrs).forbid_keys),
            ].map(String),
          },
  };
  return { expect, hasExpectations: Object.keys(e).length > 0 };
}
