/**
 * Test-file fragments shared by the integration tests and the benchmarks (no side effects, no
 * Docker).
 */

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
