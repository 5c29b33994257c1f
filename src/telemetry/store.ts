/** Collects spans for one test and lets callers wait on their arrival. */
import type { Span } from "./span.js";

export interface SpanSink {
  ingest(spans: readonly Span[]): void;
}

export class SpanStore implements SpanSink {
  private readonly items: Span[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** Time of the last span that arrived (ms since epoch), 0 when none. */
  lastArrival = 0;

  ingest(spans: readonly Span[]): void {
    let added = false;
    for (const s of spans) {
      const key = `${s.traceId}/${s.spanId}`;
      if (this.seen.has(key)) continue; // the same span from stdout and OTLP counts once
      this.seen.add(key);
      this.items.push(s);
      added = true;
    }
    if (!added) return;
    this.lastArrival = Date.now();
    for (const l of [...this.listeners]) l();
  }

  get spans(): readonly Span[] {
    return this.items;
  }

  has(name: string): boolean {
    return this.items.some((s) => s.name === name);
  }

  /** Calls `fn` after every ingest until the returned function is called. */
  onIngest(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
