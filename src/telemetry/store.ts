/** Collects spans for one test and lets callers wait on their arrival. */
import type { Finding } from "../core/result.js";
import type { Span } from "./span.js";

export interface SpanSink {
  ingest(spans: readonly Span[]): void;
}

/** The most spans one test keeps unless `[limits] max_spans` says otherwise. */
export const DEFAULT_SPAN_LIMIT = 100_000;

export class SpanStore implements SpanSink {
  private readonly items: Span[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** Time of the last span that arrived (ms since epoch), 0 when none. */
  lastArrival = 0;
  /** Spans refused because the store was full. */
  dropped = 0;

  constructor(readonly limit = DEFAULT_SPAN_LIMIT) {}

  ingest(spans: readonly Span[]): void {
    let added = false;
    for (const s of spans) {
      const key = `${s.traceId}/${s.spanId}`;
      if (this.seen.has(key)) continue; // the same span from stdout and OTLP counts once
      if (this.items.length >= this.limit) {
        this.dropped++; // full: memory stays bounded; the test fails with limitFinding()
        continue;
      }
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

  /** A failing finding once spans were dropped: a verdict on a cut trace is no proof. */
  limitFinding(): Finding | undefined {
    if (this.dropped === 0) return undefined;
    return {
      rule: "limits.max_spans",
      message:
        `span limit reached: kept ${this.limit} spans, dropped ${this.dropped} more; the ` +
        `trace is incomplete`,
      expected: `at most ${this.limit} spans`,
      actual: `${this.limit + this.dropped} spans or more`,
      keyPath: "limits.max_spans",
    };
  }
}
