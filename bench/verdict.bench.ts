/**
 * Issue-10 figures: last span → verdict for tests whose processes have exited (a one-shot
 * scenario POSTs one OTLP/JSON span with busybox wget and exits), and the cost of a graceful
 * stop (SIGTERM through the engine, init process as PID 1) against a force remove, per container.
 */
import { loadTestSource } from "../src/config/load.js";
import { loadProjectConfig } from "../src/config/project.js";
import { DockerBackend } from "../src/engine/docker/docker-backend.js";
import { runTestConfig } from "../src/runner/run-test.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, median, timeIt } from "./stats.js";

const IMAGE = "clnrm/busybox:local";
const RUN_ID = "bench-verdict";

const span = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: "ab".repeat(16),
              spanId: "cd".repeat(8),
              name: "sent",
              startTimeUnixNano: "1",
              endTimeUnixNano: "2",
            },
          ],
        },
      ],
    },
  ],
});

// POSTs $SPAN to the receiver and exits (quotes escaped for a TOML basic string).
const WGET = [
  "wget -q -O-",
  '--header \\"Content-Type: application/json\\"',
  '--post-data \\"$SPAN\\"',
  '\\"$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT\\"',
].join(" ");

const testFile = (expect: string): string => `[meta]
name = "verdict"
[[scenario]]
name = "send"
run = "sh -c '${WGET}'"
env = { SPAN = '${span}' }
${expect}`;

export async function benchVerdict(): Promise<string[]> {
  const backend = new DockerBackend();
  const project = {
    ...loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults" }),
    imageAliases: { "alpine:latest": IMAGE },
  };
  const renderer = new TemplateRenderer();
  const load = async (expect: string) =>
    (await loadTestSource(testFile(expect), "v.clnrm.toml", { env: {}, renderer })).config!;
  const monotone = await load('[[expect.span]]\nname = "sent"\n');
  const bounded = await load("[expect.counts]\nspans_total = { eq = 1 }\n");
  const afterStop = new Map<unknown, number[]>([
    [monotone, []],
    [bounded, []],
  ]);
  const delay = async (config: typeof monotone): Promise<number> => {
    let d = Number.NaN;
    const r = await runTestConfig(config, {
      backend,
      project,
      runId: RUN_ID,
      renderer,
      onVerdict: (t) => {
        d = t.verdictAt - t.lastSpanAt;
        afterStop.get(config)!.push(t.verdictAt - t.stoppedAt);
      },
    });
    if (r.result.verdict !== "passed")
      throw new Error(JSON.stringify(r.result.error ?? r.result.findings));
    return d;
  };
  await delay(monotone); // warm-up
  afterStop.get(monotone)!.length = 0;
  const d = { monotone: [] as number[], bounded: [] as number[] };
  for (let i = 0; i < 10; i++) {
    d.monotone.push(await delay(monotone));
    d.bounded.push(await delay(bounded));
  }

  // Graceful stop vs force remove of a running shell container (init process as PID 1).
  const labels = { "clnrm.managed": "true", "clnrm.run-id": RUN_ID };
  const start = (): Promise<string> =>
    backend.start({ image: IMAGE, cmd: ["sh", "-c", "sleep 1000"], env: {}, labels });
  const graceful = async (): Promise<number> => {
    const id = await start();
    return timeIt(async () => {
      await backend.stop(id, 10_000);
      await backend.remove(id);
    });
  };
  const forced = async (): Promise<number> => {
    const id = await start();
    return timeIt(() => backend.remove(id));
  };
  await graceful();
  await forced();
  const t = { graceful: [] as number[], forced: [] as number[] };
  for (let i = 0; i < 20; i++) {
    t.graceful.push(await graceful());
    t.forced.push(await forced());
  }
  const added = median(t.graceful) - median(t.forced);
  const ms = (xs: readonly number[]): string =>
    `median ${fmt(median(xs))} ms, max ${fmt(Math.max(...xs))} ms`;
  const exit = (c: unknown): string =>
    `of which after Docker reported the exit: median ${fmt(median(afterStop.get(c)!))} ms`;
  return [
    `| last span → verdict, processes exited, rule more spans cannot break ` +
      `(\`[[expect.span]]\`): OTLP/JSON from a one-shot container, n=10 ` +
      `| ${ms(d.monotone)}; ${exit(monotone)} | ≤ 300 ms |`,
    `| last span → verdict, processes exited, rule more spans can break ` +
      `(\`spans_total = { eq = 1 }\`, waits for 100 ms without a span and ≥ 25 ms after the ` +
      `exit), n=10 | ${ms(d.bounded)}; ${exit(bounded)} | ≤ 300 ms |`,
    `| graceful stop (SIGTERM, init as PID 1) + remove vs force remove, running ` +
      `\`sh -c 'sleep 1000'\`, median of 20 | ${fmt(median(t.graceful))} ms vs ` +
      `${fmt(median(t.forced))} ms: +${fmt(added)} ms per container | ≤ +50 ms |`,
  ];
}
