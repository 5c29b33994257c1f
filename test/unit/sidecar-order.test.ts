/**
 * The sidecar receiver's place in a test's lifecycle, on the FakeBackend (no Docker): started on
 * the test network before the services, stopped after all of them, its stream read to the end
 * before the verdict, removed before the network. The fake sidecar delivers its records only
 * when it is stopped (the worst case of a slow log stream), so a verdict taken before the stream
 * ended would miss the span.
 * Mutations caught: `await tel.drain()` removed from run-test's settle (0 spans: existence
 * fails); the detach hook not called in teardown (the network cannot be removed: it is left).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { loadProjectConfig } from "../../src/config/project.js";
import type { ContainerSpec, Following } from "../../src/engine/backend.js";
import { runTestConfig } from "../../src/runner/run-test.js";
import { TemplateRenderer } from "../../src/template/render.js";
import { FakeBackend } from "../helpers/fake-backend.js";

const IMAGE = "clnrm/busybox:local";
const project = { ...loadProjectConfig({ cwd: "/nonexistent" }), defaultImage: IMAGE };

const line = (r: object): Buffer => Buffer.from(`${JSON.stringify(r)}\n`);
const BODY = Buffer.from(
  JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [{ spans: [{ traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "x" }] }],
      },
    ],
  }),
).toString("base64");

/** A FakeBackend whose receiver container says "ready" at once and the rest only at its stop. */
class SlowStreamBackend extends FakeBackend {
  private readonly sinks = new Map<string, (b: Buffer) => void>();
  private readonly specs = new Map<string, ContainerSpec>();
  constructor(private readonly endRecord = true) {
    super();
  }
  override async start(spec: ContainerSpec): Promise<string> {
    const id = await super.start(spec);
    this.specs.set(id, spec);
    return id;
  }
  override async follow(id: string, onStdout: (b: Buffer) => void): Promise<Following> {
    const f = await super.follow(id, onStdout);
    this.sinks.set(id, onStdout);
    onStdout(line({ t: "ready", http: 4318, grpc: 4317 }));
    return f;
  }
  override async stop(id: string, graceMs: number): Promise<void> {
    const sink = this.sinks.get(id);
    if (sink && this.specs.get(id)?.labels["clnrm.role"] === "otlp-receiver") {
      sink(line({ t: "begin", id: 1 }));
      sink(line({ t: "req", id: 1, ct: "application/json", ce: null, b: BODY }));
      if (this.endRecord) sink(line({ t: "end" }));
    }
    await super.stop(id, graceMs);
  }
}

async function run(fake: FakeBackend) {
  const { config } = await loadTestSource(
    `[meta]\nname = "t"\n[service.svc]\nimage = "${IMAGE}"\nargs = ["sleep", "60"]
[[scenario]]\nname = "s"\nrun = "true"\n[[expect.span]]\nname = "x"\n`,
    "t.clnrm.toml",
    { env: {}, renderer: new TemplateRenderer() },
  );
  return runTestConfig(config, {
    backend: fake,
    project,
    runId: "unit",
    renderer: new TemplateRenderer(),
    receiver: "sidecar",
    quietMs: 20,
  });
}

describe("sidecar receiver lifecycle (FakeBackend)", () => {
  it("started before the services, stopped after them, drained before the verdict", async () => {
    const fake = new SlowStreamBackend();
    const r = await run(fake);
    assert.equal(r.result.verdict, "passed", JSON.stringify(r.result));
    assert.equal(r.result.telemetry?.spans, 1);
    const at = (e: string): number => fake.events.indexOf(e);
    assert.ok(at("start clnrm-otel") >= 0, fake.events.join("\n"));
    assert.ok(at("start clnrm-otel") < at("start svc"), fake.events.join("\n"));
    assert.ok(at("stop svc") < at("stop clnrm-otel"), fake.events.join("\n"));
    assert.ok(at("remove clnrm-otel") < at("network.remove"), fake.events.join("\n"));
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });

  it("no end record in the stream: an error, not a verdict on part of the trace", async () => {
    const fake = new SlowStreamBackend(false);
    const r = await run(fake);
    assert.equal(r.result.verdict, "failed");
    assert.match(r.result.error?.message ?? "", /sidecar receiver stopped without writing its end/);
    assert.deepEqual(r.result.findings, []);
    assert.deepEqual(fake.live(), { containers: [], networks: [] });
  });
});
