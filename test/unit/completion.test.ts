/**
 * Trace completion (no Docker): collection ends when the expectations are satisfied, after a
 * quiet window with no new span, or at the timeout while spans keep coming. A real span store
 * fed on a timer, the way a receiver feeds it.
 * Mutations (by hand in src/runner/telemetry-hooks.ts awaitCompletion) each check was seen to
 * catch:
 * - the quiet window measured from the start instead of the last arrival → "quiet" after
 *   300 ms while spans still arrive (waited < 750 ms).
 * - the timeout check removed → spans every 100 ms never give a quiet window: it ends only
 *   when the feeder stops (3 s), as "quiet", not "timeout".
 * - satisfied() not re-checked on ingest → the satisfied case waits for the quiet window.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { awaitCompletion, createTestTelemetry } from "../../src/runner/telemetry-hooks.js";
import { span } from "../helpers/trace.js";

async function telemetry() {
  const { config } = await loadTestSource(
    '[meta]\nname = "c"\n[otel]\nexporter = "otlp"\n[[scenario]]\nname = "s"\nrun = "true"\n',
    "c.clnrm.toml",
    { env: {} },
  );
  const t = createTestTelemetry(config, "run", true);
  t.scenarioEndedAt = Date.now();
  return t;
}

/** Ingests a new span every `everyMs` until `forMs` have passed or stop() is called. */
function feed(t: Awaited<ReturnType<typeof telemetry>>, everyMs: number, forMs: number) {
  let n = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - t0 >= forMs) return clearInterval(timer);
    n++;
    t.store.ingest([span(n.toString(16).padStart(16, "0"), `s${n}`, undefined, 0, 1)]);
  }, everyMs);
  return { stop: () => clearInterval(timer), count: () => n };
}

describe("trace completion", () => {
  it("ends as soon as the expectations are satisfied", async () => {
    const t = await telemetry();
    const f = feed(t, 50, 5000);
    const r = await awaitCompletion(t, () => t.store.has("s3"), {
      quietMs: 2000,
      timeoutMs: 10_000,
    });
    f.stop();
    assert.equal(r.completion, "satisfied");
    assert.ok(r.waitedMs < 1500, `waited ${r.waitedMs}ms`);
  });

  it("ends by the quiet window: no span for quietMs after the last one", async () => {
    const t = await telemetry();
    const f = feed(t, 100, 600);
    const r = await awaitCompletion(t, () => false, { quietMs: 300, timeoutMs: 10_000 });
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
    const r = await awaitCompletion(t, () => false, { quietMs: 300, timeoutMs: 800 });
    f.stop();
    assert.equal(r.completion, "timeout");
    assert.ok(r.waitedMs >= 790 && r.waitedMs < 2000, `waited ${r.waitedMs}ms`);
  });
});
