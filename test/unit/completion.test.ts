/**
 * Trace completion without Docker: which expectations may end the wait early, a late span that
 * breaks a satisfied non-monotone rule, and an OTLP request still in flight (real receiver on
 * loopback, real HTTP); and how the wait ends otherwise: by the quiet window after the last span,
 * or by the timeout while spans keep coming (a real span store fed on a timer, the way a receiver
 * feeds it). Mutations (by hand in awaitCompletion) the last two were seen to catch:
 * - the quiet window measured from the start instead of the last arrival → "quiet" while spans
 *   still arrive (waited < 750 ms).
 * - the timeout check removed → spans every 100 ms never give a quiet window: it ends only when
 *   the feeder stops (3 s), as "quiet", not "timeout".
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { loadTestSource } from "../../src/config/load.js";
import type { TestConfig } from "../../src/config/types.js";
import {
  awaitCompletion,
  canEndEarly,
  createTestTelemetry,
  settleTrace,
} from "../../src/runner/telemetry-hooks.js";
import { checkExpectations } from "../../src/runner/run-test.js";
import type { Span } from "../../src/telemetry/span.js";
import { span as spanAt } from "../helpers/trace.js";

const HEAD = '[meta]\nname = "c"\n[[scenario]]\nname = "s"\nrun = "true"\n';
const load = async (expect: string): Promise<TestConfig> =>
  (await loadTestSource(HEAD + expect, "c.clnrm.toml", { env: {} })).config!;
const span = (name: string, id: number): Span =>
  ({
    traceId: "ab".repeat(16),
    spanId: id.toString(16).padStart(16, "0"),
    name,
    attributes: {},
    resource: {},
    events: [],
    status: { code: "OK" },
    source: "otlp-http",
  }) as unknown as Span;

describe("trace completion", () => {
  // Mutation caught: canEndEarly returning true for any rule (the old "satisfied" exit).
  it("only rules that more spans cannot break may end the wait early", async () => {
    const early = [
      '[[expect.span]]\nname = "a"\nattrs.any = { k = "v" }\n',
      '[expect.graph]\nmust_include = [["a", "b"]]\n',
      '[expect.counts]\nspans_total = { gte = 1 }\nby_name = { "a" = { gte = 2 } }\n',
      '[[expect.window]]\nouter = "a"\ncontains = ["b"]\n',
    ];
    const late = [
      "[expect.counts]\nspans_total = { lte = 3 }\n",
      '[expect.counts]\nby_name = { "a" = { eq = 1 } }\n',
      "[expect.counts]\nerrors_total = { gte = 0 }\n",
      '[expect.status]\nall = "OK"\n',
      '[expect.graph]\nmust_not_cross = [["a", "b"]]\n',
      "[expect.graph]\nacyclic = true\n",
      '[expect.order]\nmust_precede = [["a", "b"]]\n',
      '[expect.hermeticity]\nspan_attrs.forbid_keys = ["x"]\n',
      "[expect.hermeticity]\nno_external_services = true\n",
    ];
    for (const e of early) assert.equal(canEndEarly((await load(e)).expect), true, e);
    for (const e of late) assert.equal(canEndEarly((await load(e)).expect), false, e);
  });

  // Mutation caught: ending the wait as soon as the rules hold; the second span breaks `lte`.
  it("a span arriving in the quiet window after the rules first held still counts", async () => {
    const config = await load(
      '[[expect.span]]\nname = "a"\n[expect.counts]\nby_name = { "a" = { lte = 1 } }\n',
    );
    const tel = createTestTelemetry(config, "unit", true);
    tel.store.ingest([span("a", 1)]);
    assert.deepEqual(checkExpectations(config, tel.store.spans), []);
    const done = settleTrace(
      tel,
      config.expect,
      () => checkExpectations(config, tel.store.spans).length === 0,
      { quietMs: 200, timeoutMs: 5000 },
    );
    setTimeout(() => tel.store.ingest([span("a", 2)]), 50);
    const r = await done;
    assert.equal(r.completion, "quiet");
    assert.equal(checkExpectations(config, tel.store.spans)[0]?.rule, "expect.counts.by_name[a]");
  });

  // Mutation caught: ignoring the receiver's in-flight counter (the wait ends by quiet while
  // the request body is still arriving, with no span).
  it("an OTLP request in flight holds the verdict until its spans are in", async () => {
    const config = await load('[[expect.span]]\nname = "slow"\n');
    const tel = createTestTelemetry(config, "unit", true);
    const env = await tel.hooks.attach!(
      {
        id: "n",
        name: "n",
        internal: false,
        gateway: "127.0.0.1",
      },
      {},
    );
    try {
      const body = JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              { spans: [{ traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "slow" }] },
            ],
          },
        ],
      });
      const url = new URL(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT!);
      const req = http.request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": body.length },
      });
      req.on("error", () => undefined);
      req.write(body.slice(0, 10));
      // The receiver counts the request once its headers are in (poll: the machine may be busy).
      for (let i = 0; i < 200 && tel.inFlight() === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(tel.inFlight(), 1);
      const done = settleTrace(tel, config.expect, () => false, { quietMs: 50, timeoutMs: 5000 });
      setTimeout(() => req.end(body.slice(10)), 300);
      const r = await done;
      assert.equal(r.completion, "quiet");
      assert.ok(r.waitedMs >= 290, `waited ${r.waitedMs} ms`);
      assert.equal(tel.store.spans.length, 1);
      assert.equal(tel.inFlight(), 0);
    } finally {
      await tel.close();
    }
  });
});

async function telemetry() {
  const { config } = await loadTestSource(
    '[meta]\nname = "c"\n[otel]\nexporter = "otlp"\n[[scenario]]\nname = "s"\nrun = "true"\n',
    "c.clnrm.toml",
    { env: {} },
  );
  return createTestTelemetry(config, "run", true);
}

/** Ingests a span now and then one every `everyMs` until `forMs` have passed or stop(). */
function feed(t: Awaited<ReturnType<typeof telemetry>>, everyMs: number, forMs: number) {
  let n = 0;
  const t0 = Date.now();
  const one = (): void => {
    n++;
    t.store.ingest([spanAt(n.toString(16).padStart(16, "0"), `s${n}`, undefined, 0, 1)]);
  };
  one();
  const timer = setInterval(() => {
    if (Date.now() - t0 >= forMs) return clearInterval(timer);
    one();
  }, everyMs);
  return { stop: () => clearInterval(timer), count: () => n };
}

describe("trace completion: how the wait ends", () => {
  it("ends by the quiet window: no span for quietMs after the last one", async () => {
    const t = await telemetry();
    const f = feed(t, 100, 600);
    const r = await awaitCompletion(t, () => false, {
      since: Date.now(),
      quietMs: 300,
      timeoutMs: 10_000,
    });
    assert.equal(r.completion, "quiet");
    assert.ok(f.count() >= 4, `only ${f.count()} spans were fed`);
    // the last span came at ~500-600 ms; the window starts again with each span
    assert.ok(r.waitedMs >= 750, `ended after ${r.waitedMs}ms, before the spans stopped`);
    assert.ok(r.waitedMs < 5000, `waited ${r.waitedMs}ms`);
    assert.ok(Date.now() - t.store.lastArrival >= 300);
  });

  it("ends by the timeout while spans keep arriving", async () => {
    const t = await telemetry();
    const f = feed(t, 100, 3000);
    const r = await awaitCompletion(t, () => false, {
      since: Date.now(),
      quietMs: 300,
      timeoutMs: 800,
    });
    f.stop();
    assert.equal(r.completion, "timeout");
    assert.ok(r.waitedMs >= 790 && r.waitedMs < 2000, `waited ${r.waitedMs}ms`);
  });
});
