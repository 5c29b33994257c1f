/**
 * The per-test cost of the sidecar receiver (`--receiver sidecar`) against the host receiver:
 * the same one-scenario OTLP test run in-process by `runTestConfig` with each mode, interleaved
 * pair by pair (so engine load drifts hit both alike). The scenario posts one OTLP/JSON span with
 * busybox wget to $OTEL_EXPORTER_OTLP_ENDPOINT, and `[[expect.span]]` must find it: the sidecar
 * run pays for one more container (start, node start-up, graceful stop, stream drain, removal).
 * Usage: npm run bench -- receiver
 */
import { loadTestSource } from "../src/config/load.js";
import { loadProjectConfig } from "../src/config/project.js";
import { DockerBackend } from "../src/engine/docker/docker-backend.js";
import { runTestConfig } from "../src/runner/run-test.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, median, timeIt } from "./stats.js";

const IMAGE = "clnrm/busybox:local";
const N = 9;
const SPAN = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        { spans: [{ traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "bench.span" }] },
      ],
    },
  ],
});

const WGET =
  '"sh -c \'wget -q -O - --header=Content-Type:application/json --post-data=\\"$BODY\\" ' +
  "$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces'\"";

export async function benchReceiver(): Promise<string[]> {
  const backend = new DockerBackend();
  const project = {
    ...loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults" }),
    imageAliases: { "alpine:latest": IMAGE },
  };
  const renderer = new TemplateRenderer();
  const source = `[meta]
name = "bench_receiver"
[service.s]
image = "${IMAGE}"
[[scenario]]
name = "send"
service = "s"
run = ${WGET}
env = { BODY = '${SPAN}' }
[[expect.span]]
name = "bench.span"
`;
  const config = (await loadTestSource(source, "b.clnrm.toml", { env: {}, renderer })).config;
  const once = (receiver: "host" | "sidecar") => async (): Promise<void> => {
    const r = await runTestConfig(config, { backend, project, runId: "bench", renderer, receiver });
    if (r.result.verdict !== "passed" || r.result.telemetry?.spans !== 1)
      throw new Error(`${receiver}: ${JSON.stringify(r.result.error ?? r.result.findings)}`);
  };
  await once("host")();
  await once("sidecar")(); // warm-up
  const t = { host: [] as number[], sidecar: [] as number[] };
  for (let i = 0; i < N; i++) {
    t.host.push(await timeIt(once("host")));
    t.sidecar.push(await timeIt(once("sidecar")));
  }
  const h = median(t.host);
  const s = median(t.sidecar);
  const diffs = t.sidecar.map((x, i) => x - t.host[i]!);
  const what =
    "one OTLP test in-process (`runTestConfig`: network + one-shot container posting one " +
    "OTLP/JSON span with wget + `[[expect.span]]`), host receiver vs `--receiver sidecar`, " +
    `median of ${N} each, interleaved`;
  const result =
    `${fmt(h)} ms vs ${fmt(s)} ms: sidecar +${fmt(s - h)} ms per test ` +
    `(median of pairwise differences +${fmt(median(diffs))} ms)`;
  return [`| ${what} | ${result} | |`];
}
