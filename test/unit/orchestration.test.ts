/**
 * The engine's orchestration on the FakeBackend (no Docker): order of set-up and teardown,
 * timeouts, and cleanup on every failure path. Mutations checked by hand on the built engine:
 * skipping the container removal or the network removal in the teardown fails all six tests;
 * ignoring timeout_ms fails "timeout"; not passing the abort signal to wait() fails "abort".
 * Also caught (by construction): services out of depends_on order or scenarios before services
 * ("order"); a verdict that ignores the expectations ("a missing span").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { loadProjectConfig } from "../../src/config/project.js";
import { runTestConfig, type TestRun } from "../../src/runner/run-test.js";
import { TemplateRenderer } from "../../src/template/render.js";
import { aliasOf, FakeBackend, type FakeBehaviour } from "../helpers/fake-backend.js";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import type { ContainerSpec } from "../../src/engine/backend.js";

const IMAGE = "clnrm/busybox:local";
const project = { ...loadProjectConfig({ cwd: "/nonexistent" }), defaultImage: IMAGE };
const renderer = new TemplateRenderer();

const SERVICES = `[service.db]
image = "${IMAGE}"
args = ["serve-db"]
[service.api]
image = "${IMAGE}"
args = ["serve-api"]
depends_on = ["db"]
`;

async function run(
  toml: string,
  behave: (spec: ContainerSpec) => FakeBehaviour,
  signal?: AbortSignal,
  spanTimeoutMs = 2000,
): Promise<{ r: TestRun; fake: FakeBackend; ms: number }> {
  const fake = new FakeBackend(behave);
  const { config } = await loadTestSource(`[meta]\nname = "t"\n${toml}`, "t.clnrm.toml", {
    env: {},
    renderer,
  });
  const t0 = Date.now();
  const r = await runTestConfig(config, {
    backend: fake,
    project,
    runId: "unit",
    renderer,
    signal,
    spanTimeoutMs,
  });
  return { r, fake, ms: Date.now() - t0 };
}

/** Services keep running; scenario containers follow `scenario`. */
const services =
  (scenario: FakeBehaviour) =>
  (spec: ContainerSpec): FakeBehaviour =>
    ["db", "api"].includes(aliasOf(spec)) ? { runMs: 60_000 } : scenario;

const lifecycle = (fake: FakeBackend): string[] =>
  fake.events.filter((e) => /^(network|start|stop|remove)/.test(e));

describe("orchestration (FakeBackend)", () => {
  it("order: network, services (depends_on), scenario, stop dependants first, remove", async () => {
    const { r, fake } = await run(
      `${SERVICES}[[scenario]]\nname = "s"\nrun = "echo hi"\n`,
      services({ stdout: "hi\n" }),
    );
    assert.equal(r.result.verdict, "passed", JSON.stringify(r.result.error));
    const events = lifecycle(fake);
    // The one-shot scenario container has exited: only the services are stopped, the dependant
    // (api) before what it depends on (db); removal (in parallel) comes after every stop.
    assert.deepEqual(events.slice(0, 6), [
      "network.create",
      "start db",
      "start api",
      "start scenario",
      "stop api",
      "stop db",
    ]);
    assert.deepEqual(events.slice(6, 9).sort(), ["remove api", "remove db", "remove scenario"]);
    assert.deepEqual(events.slice(9), ["network.remove"]);
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  it("a service that fails to start: error names it; leaves nothing behind", async () => {
    const { r, fake } = await run(`${SERVICES}[[scenario]]\nname = "s"\nrun = "true"\n`, (s) =>
      aliasOf(s) === "api" ? { startError: "port is already allocated" } : { runMs: 60_000 },
    );
    assert.equal(r.result.verdict, "failed");
    assert.match(r.result.error?.message ?? "", /port is already allocated/);
    assert.ok(!fake.events.includes("start scenario"), "no scenario after a failed service");
    assert.deepEqual(
      r.result.containers.map((c) => c.name),
      ["db", "api"],
      "the failed container's logs are kept",
    );
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  it("a failing scenario fails the test on its exit code; leaves nothing behind", async () => {
    const { r, fake } = await run(
      `${SERVICES}[[scenario]]\nname = "s"\nrun = "false"\n`,
      services({ exitCode: 3, stderr: "boom" }),
    );
    assert.equal(r.result.verdict, "failed");
    const step = r.result.scenarios[0]!.steps[0]!;
    assert.equal(step.exitCode, 3);
    assert.match(step.failure?.rule ?? "", /scenario\[s\]/);
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  it("timeout: a scenario over timeout_ms is killed and reported; nothing left", async () => {
    const { r, fake, ms } = await run(
      `[[scenario]]\nname = "slow"\nrun = "sleepy"\ntimeout_ms = 100\n`,
      () => ({ runMs: 30_000 }),
    );
    assert.equal(r.result.verdict, "failed");
    assert.equal(r.result.scenarios[0]!.steps[0]!.timedOut, true);
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  it("abort while a scenario runs: it stops at once; leaves nothing behind", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { r, fake, ms } = await run(
      `${SERVICES}[[scenario]]\nname = "a"\nrun = "work"\n[[scenario]]\nname = "b"\nrun = "work"\n`,
      services({ runMs: 30_000 }),
      ac.signal,
    );
    assert.equal(r.result.verdict, "failed");
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.equal(fake.events.filter((e) => e === "start scenario").length, 1, "b never starts");
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  // Mutation caught: the printed resource spread after clnrm's (the old order) → "other".
  it("a stdout span belongs to the scenario that printed it, whatever it claims", async () => {
    const claim = ndjsonSpan("work", { resource: { "clnrm.scenario": "other" } });
    const r = await run(
      `${echoSpanScenario("emit", claim)}[[expect.span]]\nname = "work"\n`,
      () => ({
        stdout: `${claim}\n`,
      }),
    );
    assert.equal(r.r.spans[0]?.resource["clnrm.scenario"], "emit");
  });

  // Mutation caught: no floor under the wait (the value taken as is) → "timeout" and a failing
  // telemetry.incomplete although nothing was still arriving.
  it("--span-timeout 1 still waits out the quiet period: a quiet trace is judged", async () => {
    const emit = echoSpanScenario("emit", ndjsonSpan("work"));
    const r = await run(
      `${emit}[[expect.span]]\nname = "work"\n[expect.counts]\nspans_total = { lte = 5 }\n`,
      () => ({ stdout: `${ndjsonSpan("work")}\n` }),
      undefined,
      1,
    );
    assert.equal(r.r.result.verdict, "passed", JSON.stringify(r.r.result.findings));
    assert.equal(r.r.result.telemetry?.completion, "quiet");
  });

  it("spans on stdout prove a PASS; a missing span fails with its rule", async () => {
    const emit = echoSpanScenario("emit", ndjsonSpan("work"));
    const ok = await run(`${emit}[[expect.span]]\nname = "work"\n`, () => ({
      stdout: `${ndjsonSpan("work")}\n`,
    }));
    assert.equal(ok.r.result.verdict, "passed", JSON.stringify(ok.r.result.findings));
    assert.equal(ok.r.spans.length, 1);
    const bad = await run(`${emit}[[expect.span]]\nname = "work"\n`, () => ({ stdout: "" }));
    assert.equal(bad.r.result.verdict, "failed");
    assert.equal(bad.r.result.firstFailure?.rule, "expect.span[work].existence");
    assert.deepEqual(bad.fake.live(), { containers: [], networks: [] });
  });

  // Mutation caught: the "timeout" completion judged like any other (the old behaviour) → the
  // test passes on the spans it had when --span-timeout ran out.
  it("spans still arriving at --span-timeout: telemetry.incomplete, no PASS", async () => {
    let endpoint = "";
    const emit = echoSpanScenario("emit", ndjsonSpan("work"));
    let n = 0;
    const body = (): string =>
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: "ab".repeat(16),
                    spanId: (++n).toString(16).padStart(16, "0"),
                    name: "late",
                    startTimeUnixNano: "1",
                    endTimeUnixNano: "2",
                  },
                ],
              },
            ],
          },
        ],
      });
    // a sender that outlives the containers (as a stranger could, or a hung exporter)
    const sender = setInterval(() => {
      if (endpoint)
        void fetch(`${endpoint}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(),
        }).catch(() => undefined);
    }, 30);
    try {
      const r = await run(
        `${emit}[[expect.span]]\nname = "work"\n[expect.counts]\nspans_total = { lte = 1000 }\n`,
        (spec) => {
          endpoint = spec.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? endpoint;
          return { stdout: `${ndjsonSpan("work")}\n` };
        },
      );
      assert.equal(r.r.result.verdict, "failed", JSON.stringify(r.r.result.telemetry));
      assert.equal(r.r.result.firstFailure?.rule, "telemetry.incomplete");
      assert.match(
        r.r.result.firstFailure?.message ?? "",
        /the trace was not complete when the wait for spans ended \(\d+ ms after every container/,
      );
      assert.equal(r.r.result.telemetry?.completion, "timeout");
    } finally {
      clearInterval(sender);
    }
  });
});
