/**
 * The OTLP trace wire schema, loaded with protobufjs from the vendored opentelemetry-proto
 * files under `vendor/opentelemetry-proto/` (Apache-2.0, LICENSE and provenance kept there).
 * Fields a newer sender adds (Span.flags, scope attributes) are skipped as unknown fields.
 */
import path from "node:path";
import protobuf from "protobufjs";
import { PROJECT_ROOT } from "../../core/paths.js";

export const PROTO_DIR = path.join(PROJECT_ROOT, "vendor", "opentelemetry-proto");
const PACKAGE = "opentelemetry.proto.collector.trace.v1";

function loadSchema(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports inside the files are written relative to the proto tree's top.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  return root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", {
    keepCase: false,
  });
}

const root = loadSchema();
export const ExportTraceServiceRequest = root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`);
export const ExportTraceServiceResponse = root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`);
