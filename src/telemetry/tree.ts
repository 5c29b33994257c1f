/** Parent/child structure of a span set: roots are spans whose parent was not received. */
import type { Span } from "./span.js";

export interface SpanTree {
  readonly roots: readonly Span[];
  children(spanId: string): readonly Span[];
}

export function spanTree(spans: readonly Span[]): SpanTree {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parentSpanId && s.parentSpanId !== s.spanId && ids.has(s.parentSpanId)) {
      const l = kids.get(s.parentSpanId);
      if (l) l.push(s);
      else kids.set(s.parentSpanId, [s]);
    } else roots.push(s);
  }
  return { roots, children: (id) => kids.get(id) ?? [] };
}
