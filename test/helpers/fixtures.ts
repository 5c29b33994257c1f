/**
 * Test-file fragments shared by the integration tests and the benchmarks (no side effects, no
 * Docker).
 */
import path from "node:path";
import { PROJECT_ROOT } from "../../src/core/paths.js";

/** One span as an NDJSON line, the form clnrm reads from a scenario's stdout. */
export function ndjsonSpan(name: string, extra: Readonly<Record<string, unknown>> = {}): string {
  return JSON.stringify({ name, trace_id: "ab".repeat(16), span_id: "cd".repeat(8), ...extra });
}

/**
 * A `[[scenario]]` that prints `span` on stdout (in its service's image when `service` is given)
 * and declares stdout as its span source (`artifacts.collect`), as upstream does.
 */
export function echoSpanScenario(name: string, span: string, service?: string): string {
  return `[[scenario]]
name = "${name}"
${service ? `service = "${service}"\n` : ""}run = "sh -c 'echo \\"$SPAN\\"'"
env = { SPAN = '${span}' }
artifacts.collect = ["spans:default"]
`;
}

/** A read-only bind mount of a project folder, as an inline TOML table. */
export const projectMount = (host: string, container: string): string =>
  `{ host_path = "${path.join(PROJECT_ROOT, host)}", container_path = "${container}", ` +
  "read_only = true }";

/**
 * The SIGTERM-flushing app (test/fixtures/sigterm-app.mjs) as a long-lived service `app`, and a
 * trivial scenario beside it; `expectations` follow.
 */
export const sigtermTest = (name: string, mode: string, expectations: string): string => `[meta]
name = "${name}"
[service.app]
image = "clnrm/node:20"
args = ["node", "/app/fixtures/sigterm-app.mjs"]
env = { APP_MODE = "${mode}" }
health_check = { log = "ready" }
volumes = [
  ${projectMount("node_modules", "/app/node_modules")},
  ${projectMount("test/fixtures", "/app/fixtures")},
]
[[scenario]]
name = "poke"
run = "true"
${expectations}`;
