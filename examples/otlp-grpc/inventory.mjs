// A one-shot "inventory" job exporting its spans over OTLP/gRPC with the SDK's gRPC exporter.
// clnrm injects OTEL_EXPORTER_OTLP_ENDPOINT (its gRPC receiver, from [otel] protocol = "grpc"),
// OTEL_SERVICE_NAME and TRACEPARENT; the job flushes (sdk.shutdown) before it exits.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { NodeSDK } from "@opentelemetry/sdk-node";

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
const tracer = trace.getTracer("inventory", "1.0.0");
const parent = process.env.TRACEPARENT
  ? propagation.extract(ROOT_CONTEXT, { traceparent: process.env.TRACEPARENT })
  : ROOT_CONTEXT;
const stock = new Map([["A1", 5], ["B7", 0], ["C3", 12]]);

await context.with(parent, () =>
  tracer.startActiveSpan("inventory.reserve", async (root) => {
    for (const [sku, qty] of [["A1", 2], ["C3", 5]]) {
      await tracer.startActiveSpan("inventory.check", { attributes: { sku, qty } }, async (s) => {
        const have = stock.get(sku) ?? 0;
        s.setAttribute("stock.available", have);
        if (have < qty) s.setStatus({ code: SpanStatusCode.ERROR, message: `${sku}: out of stock` });
        else stock.set(sku, have - qty);
        s.end();
      });
    }
    root.addEvent("reservation.made", { lines: 2 });
    root.end();
  }),
);
await sdk.shutdown();
console.log("reserved 2 lines; spans exported over OTLP/gRPC");
