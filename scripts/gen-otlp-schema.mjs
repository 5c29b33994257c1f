// Compiles the vendored OTLP trace .proto files (vendor/opentelemetry-proto, the source of truth)
// into a protobufjs JSON descriptor next to the built wire module, so that clnrm does not parse
// .proto text at start-up. Run by `npm run build` after tsc.
import fs from "node:fs";
import path from "node:path";
import protobuf from "protobufjs";

const root = new URL("..", import.meta.url).pathname;
const protoDir = path.join(root, "vendor", "opentelemetry-proto");
const out = path.join(root, "dist", "src", "telemetry", "otlp", "otlp-trace.json");
const r = new protobuf.Root();
r.resolvePath = (_origin, target) => path.join(protoDir, target);
r.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(r.toJSON())}\n`);
