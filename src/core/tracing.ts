/**
 * clnrm's own tracing, as seen by the engine and the runner. The OpenTelemetry SDK
 * implementation lives in telemetry/self-trace.ts; these spans describe the *tool's* work and
 * never enter the span set that a test's expectations are checked against.
 */
export type TraceAttributes = Record<string, string | number | boolean>;

export interface TraceSpan {
  /** A child span of this one. */
  child(name: string, attributes?: TraceAttributes): TraceSpan;
  setAttributes(attributes: TraceAttributes): void;
  addEvent(name: string, attributes?: TraceAttributes): void;
  /** Ends the span; an error message sets status ERROR, otherwise OK. */
  end(error?: string): void;
  /** W3C traceparent of this span, for TRACEPARENT in containers. */
  traceparent(): string;
}

export interface Tracer {
  root(name: string, attributes?: TraceAttributes): TraceSpan;
  shutdown(): Promise<void>;
}

const NOOP_PARENT = "00-00000000000000000000000000000000-0000000000000000-00";

export const noopSpan: TraceSpan = {
  child: () => noopSpan,
  setAttributes: () => undefined,
  addEvent: () => undefined,
  end: () => undefined,
  traceparent: () => NOOP_PARENT,
};

export const noopTracer: Tracer = { root: () => noopSpan, shutdown: async () => undefined };
