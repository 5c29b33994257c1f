/**
 * clnrm instruments itself with the OpenTelemetry JS SDK: clnrm.run (result), clnrm.test,
 * clnrm.step:<name>, clnrm.service.start, clnrm.container.exec. `--otel-exporter` chooses
 * where they go: stdout (NDJSON, readable by `clnrm spans`), otlp-http, otlp-grpc, or none.
 */
import {
  context,
  trace,
  SpanStatusCode,
  type Context,
  type Span as OtelSpan,
} from "@opentelemetry/api";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { resourceFromAttributes, defaultResource } from "@opentelemetry/resources";
import { CleanroomError } from "../core/errors.js";
import { VERSION } from "../core/version.js";
import type { TraceAttributes, TraceSpan, Tracer } from "../core/tracing.js";

export type SelfExporter = "none" | "stdout" | "otlp-http" | "otlp-grpc";

const KINDS = ["internal", "server", "client", "producer", "consumer"];
const hr = (t: [number, number]): string =>
  (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

/** One camelCase JSON object per span per line; `clnrm spans`/`analyze` read it back. */
class NdjsonExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    for (const s of spans) {
      const ctx = s.spanContext();
      this.write(
        `${JSON.stringify({
          name: s.name,
          traceId: ctx.traceId,
          spanId: ctx.spanId,
          parentSpanId: s.parentSpanContext?.spanId ?? null,
          kind: KINDS[s.kind] ?? "internal",
          startTimeUnixNano: hr(s.startTime),
          endTimeUnixNano: hr(s.endTime),
          attributes: s.attributes,
          events: s.events.map((e) => ({
            name: e.name,
            timeUnixNano: hr(e.time),
            attributes: e.attributes ?? {},
          })),
          status: {
            code: ["UNSET", "OK", "ERROR"][s.status.code],
            message: s.status.message ?? "",
          },
          resource: s.resource.attributes,
        })}\n`,
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

async function exporterFor(
  kind: SelfExporter,
  endpoint: string | undefined,
): Promise<SpanExporter | undefined> {
  if (kind === "none") return undefined;
  if (kind === "stdout") return new NdjsonExporter((l) => process.stdout.write(l));
  if (!endpoint)
    throw new CleanroomError("Configuration", `--otel-exporter ${kind} needs --otel-endpoint URL`);
  if (kind === "otlp-http") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
    return new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  }
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-grpc");
  return new OTLPTraceExporter({ url: endpoint });
}

/**
 * Start and end times from one sub-millisecond clock: the SDK's default start time is rounded to
 * the millisecond while end times are not, which would make back-to-back spans overlap.
 */
function preciseNow(): [number, number] {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

class SdkSpan implements TraceSpan {
  constructor(
    private readonly tracer: ReturnType<BasicTracerProvider["getTracer"]>,
    private readonly span: OtelSpan,
    private readonly ctx: Context,
  ) {}
  child(name: string, attributes?: TraceAttributes): TraceSpan {
    const span = this.tracer.startSpan(name, { attributes, startTime: preciseNow() }, this.ctx);
    return new SdkSpan(this.tracer, span, trace.setSpan(this.ctx, span));
  }
  setAttributes(a: TraceAttributes): void {
    this.span.setAttributes(a);
  }
  addEvent(name: string, a?: TraceAttributes): void {
    this.span.addEvent(name, a, preciseNow());
  }
  end(error?: string): void {
    this.span.setStatus(
      error ? { code: SpanStatusCode.ERROR, message: error } : { code: SpanStatusCode.OK },
    );
    this.span.end(preciseNow());
  }
  traceparent(): string {
    const c = this.span.spanContext();
    return `00-${c.traceId}-${c.spanId}-01`;
  }
}

export async function createSelfTracer(
  kind: SelfExporter = "none",
  endpoint?: string,
): Promise<Tracer> {
  const exporter = await exporterFor(kind, endpoint);
  const processors: SpanProcessor[] = exporter
    ? [
        kind === "stdout"
          ? new SimpleSpanProcessor(exporter)
          : new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 }),
      ]
    : [];
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ "service.name": "clnrm", "service.version": VERSION }),
    ),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer("clnrm", VERSION);
  return {
    root: (name, attributes) => {
      const span = tracer.startSpan(
        name,
        { attributes, startTime: preciseNow() },
        context.active(),
      );
      return new SdkSpan(tracer, span, trace.setSpan(context.active(), span));
    },
    shutdown: () => provider.shutdown(),
  };
}
