// OpenTelemetry set-up, loaded before the application with `node --import ./tracing.mjs`.
// Everything comes from the environment clnrm injects: OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf or grpc), OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES and OTEL_BSP_SCHEDULE_DELAY (the batch processor's delay).
import { NodeSDK } from "@opentelemetry/sdk-node";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";

const protocol = process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
const { OTLPTraceExporter } =
  protocol === "grpc"
    ? await import("@opentelemetry/exporter-trace-otlp-grpc")
    : await import("@opentelemetry/exporter-trace-otlp-proto");

// Traces only: the SDK would also start OTLP metrics and logs exporters by default.
process.env.OTEL_METRICS_EXPORTER ??= "none";
process.env.OTEL_LOGS_EXPORTER ??= "none";

export const sdk = new NodeSDK({
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [
    new HttpInstrumentation({
      // Readiness probes are not part of the behaviour under test.
      ignoreIncomingRequestHook: (req) => req.url === "/healthz",
    }),
    new PgInstrumentation({ requireParentSpan: true }),
  ],
});
sdk.start();

/** Flushes every batched span and stops the SDK (idempotent). */
let stopping;
export function shutdownTracing() {
  stopping ??= sdk.shutdown().catch((e) => console.error("tracing shutdown failed:", e));
  return stopping;
}
