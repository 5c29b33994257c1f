/**
 * The OTLP trace wire schema. Its source is the vendored opentelemetry-proto files under
 * `vendor/opentelemetry-proto/` (Apache-2.0, LICENSE and provenance kept there); `npm run build`
 * compiles them into a protobufjs JSON descriptor (scripts/gen-otlp-schema.mjs) that is loaded
 * here with the light protobufjs build (no .proto parser at start-up). Without the descriptor
 * (a tree compiled by tsc alone) the .proto files are parsed as before.
 * Fields a newer sender adds (Span.flags, scope attributes) are skipped as unknown fields.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type protobuf from "protobufjs";
import { PROJECT_ROOT } from "../../core/paths.js";

export const PROTO_DIR = path.join(PROJECT_ROOT, "vendor", "opentelemetry-proto");
export const SCHEMA_JSON = new URL("./otlp-trace.json", import.meta.url);
const PACKAGE = "opentelemetry.proto.collector.trace.v1";
const require = createRequire(import.meta.url);

/** The schema parsed from the vendored .proto files (the build's input; also the fallback). */
export async function parseVendoredProtos(): Promise<protobuf.Root> {
  return parseProtosSync();
}

function parseProtosSync(): protobuf.Root {
  const full = require("protobufjs") as typeof protobuf;
  const root = new full.Root();
  // Imports inside the files are written relative to the proto tree's top.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  return root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", {
    keepCase: false,
  });
}

// protobufjs and the schema load on the first message encoded or decoded, not at start-up: a run
// whose software sends no OTLP/protobuf never pays for them (75-165 ms on a loaded 2-core
// machine; issue 11). The CommonJS build is required synchronously, so callers stay synchronous.
let root: protobuf.Root | undefined;
function schema(): protobuf.Root {
  if (!root) {
    const light = require("protobufjs/light.js") as typeof protobuf;
    root = fs.existsSync(SCHEMA_JSON)
      ? light.Root.fromJSON(JSON.parse(fs.readFileSync(SCHEMA_JSON, "utf8")))
      : parseProtosSync();
  }
  return root;
}

/**
 * A message type that is looked up on its first use. Hand-written (a Proxy over the real
 * protobuf.Type) because protobufjs has no lazy mode; methods are bound to the real type.
 */
function lazyType(name: string): protobuf.Type {
  let type: protobuf.Type | undefined;
  const real = (): protobuf.Type => {
    type ??= schema().lookupType(`${PACKAGE}.${name}`);
    return type;
  };
  return new Proxy({} as protobuf.Type, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(real(), key);
      return typeof value === "function" ? value.bind(real()) : value;
    },
  });
}

export const ExportTraceServiceRequest = lazyType("ExportTraceServiceRequest");
export const ExportTraceServiceResponse = lazyType("ExportTraceServiceResponse");
