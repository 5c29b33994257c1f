/**
 * Structural diff of two traces: spans matched by their name path from the root; attributes, kind
 * and status compared.
 */
import { normalizeTrace, type NormalizedSpan } from "./normalize.js";
import type { Span } from "./span.js";

export interface TraceDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: { readonly path: string; readonly changes: string[] }[];
}

function paths(spans: readonly Span[]): Map<string, NormalizedSpan> {
  const norm = normalizeTrace(spans);
  const out = new Map<string, NormalizedSpan>();
  const pathOf: string[] = [];
  for (const s of norm) {
    const base = s.parent === null ? s.name : `${pathOf[s.parent]} → ${s.name}`;
    let p = base;
    for (let i = 2; out.has(p); i++) p = `${base} #${i}`;
    pathOf[s.pos] = p;
    out.set(p, s);
  }
  return out;
}

const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

export function diffTraces(a: readonly Span[], b: readonly Span[]): TraceDiff {
  const pa = paths(a);
  const pb = paths(b);
  const added = [...pb.keys()].filter((k) => !pa.has(k));
  const removed = [...pa.keys()].filter((k) => !pb.has(k));
  const changed: TraceDiff["changed"] = [];
  for (const [p, x] of pa) {
    const y = pb.get(p);
    if (!y) continue;
    const changes: string[] = [];
    if (x.kind !== y.kind) changes.push(`kind ${x.kind} → ${y.kind}`);
    if (x.status !== y.status) changes.push(`status ${x.status} → ${y.status}`);
    for (const k of new Set([...Object.keys(x.attributes), ...Object.keys(y.attributes)]))
      if (JSON.stringify(x.attributes[k]) !== JSON.stringify(y.attributes[k]))
        changes.push(`attribute ${k}: ${show(x.attributes[k])} → ${show(y.attributes[k])}`);
    const ev = (s: NormalizedSpan): string => s.events.map((e) => e.name).join(",");
    if (ev(x) !== ev(y)) changes.push(`events [${ev(x)}] → [${ev(y)}]`);
    if (changes.length) changed.push({ path: p, changes });
  }
  return { added, removed, changed };
}
