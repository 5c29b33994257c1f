/**
 * The OTLP trace wire schema. Its source is the vendored opentelemetry-proto files under
 * `vendor/opentelemetry-proto/` (Apache-2.0, LICENSE and provenance kept there); `npm run build`
 * compiles them into a protobufjs JSON descriptor (scripts/gen-otlp-schema.mjs) that is loaded
 * here with the light protobufjs build (no .proto parser at start-up). Without the descriptor
 * (a tree compiled by tsc alone) the .proto files are parsed as before.
 * Fields a newer sender adds (Span.flags, scope attributes) are skipped as unknown fields.
 */
import fs from "node:fs";
import path from "node:path";
import protobuf from "protobufjs/light.js";
import { PROJECT_ROOT } from "../../core/paths.js";

export const PROTO_DIR = path.join(PROJECT_ROOT, "vendor", "opentelemetry-proto");
export const SCHEMA_JSON = new URL("./otlp-trace.json", import.meta.url);
const PACKAGE = "opentelemetry.proto.collector.trace.v1";

/** The schema parsed from the vendored .proto files (the build's input; also the fallback). */
export async function parseVendoredProtos(): Promise<protobuf.Root> {
  const full = (await import("protobufjs")).default;
  const root = new full.Root();
  // Imports inside the files are written relative to the proto tree's top.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  return root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", {
    keepCase: false,
  });
}

const root = fs.existsSync(SCHEMA_JSON)
  ? protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(SCHEMA_JSON, "utf8")))
  : await parseVendoredProtos();
export const ExportTraceServiceRequest = root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`);
export const ExportTraceServiceResponse = root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`);
