/** OTLP/HTTP ingest, the seven validators over 100k spans, and last-span-to-verdict delay. */
import { ExportTraceServiceRequest } from "../src/telemetry/otlp/wire.js";
import { startReceiver } from "../src/telemetry/receiver.js";
import { SpanStore } from "../src/telemetry/store.js";
import type { Span } from "../src/telemetry/span.js";
import { validateExpectations } from "../src/validate/index.js";
import { loadTestSource } from "../src/config/load.js";
import { awaitCompletion, createTestTelemetry } from "../src/runner/telemetry-hooks.js";
import { fmt, median } from "./stats.js";

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

function jsonBatch(batch: number, size: number): Record<string, unknown> {
  const spans = [];
  for (let i = 0; i < size; i++) {
    const id = batch * size + i + 1;
    spans.push({
      traceId: hex(batch + 1, 32),
      spanId: hex(id, 16),
      parentSpanId: i % 10 === 0 ? "" : hex(batch * size + Math.floor(i / 10) * 10 + 1, 16),
      name: `op.${i % 20}`,
      kind: 1 + (i % 3),
      startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n),
      endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n + 500n),
      attributes: [
        { key: "http.route", value: { stringValue: "/x" } },
        { key: "n", value: { intValue: String(i) } },
        { key: "ok", value: { boolValue: true } },
        { key: "ratio", value: { doubleValue: 0.5 } },
        { key: "component", value: { stringValue: "bench" } },
        { key: "peer", value: { stringValue: "svc" } },
      ],
      events: [
        {
          name: "ev",
          timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n + 100n),
          attributes: [],
        },
      ],
      status: { code: 1 },
    });
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "bench" } }] },
        scopeSpans: [{ scope: { name: "bench" }, spans }],
      },
    ],
  };
}

function protoBatch(doc: Record<string, unknown>): Uint8Array {
  const toBytes = (h: string): Buffer => Buffer.from(h, "hex");
  const conv = JSON.parse(JSON.stringify(doc), (k, v) =>
    k === "traceId" || k === "spanId" || k === "parentSpanId" ? toBytes(v as string) : v,
  );
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(conv)).finish();
}

async function ingest(kind: "proto" | "json", total: number, batchSize: number): Promise<number> {
  const store = new SpanStore();
  const rx = await startReceiver(store);
  const bodies: Buffer[] = [];
  for (let b = 0; b < total / batchSize; b++) {
    const doc = jsonBatch(b, batchSize);
    bodies.push(kind === "json" ? Buffer.from(JSON.stringify(doc)) : Buffer.from(protoBatch(doc)));
  }
  const t = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const r = await fetch(`${rx.endpoint}/v1/traces`, {
        method: "POST",
        body,
        headers: {
          "content-type": kind === "json" ? "application/json" : "application/x-protobuf",
        },
      });
      await r.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const secs = (performance.now() - t) / 1000;
  await rx.close();
  if (store.spans.length !== total) throw new Error(`ingested ${store.spans.length} of ${total}`);
  return total / secs;
}

export async function benchTelemetry(): Promise<string[]> {
  const rows: string[] = [];
  await ingest("proto", 10_000, 1000); // warm-up
  const proto = [await ingest("proto", 100_000, 1000), await ingest("proto", 100_000, 1000)];
  const json = [await ingest("json", 100_000, 1000), await ingest("json", 100_000, 1000)];
  rows.push(
    `| OTLP/HTTP ingest, protobuf, 100k spans in batches of 1000, 4 concurrent POSTs ` +
      `(loopback) | ${proto.map((x) => `${Math.round(x / 1000)}k`).join(" / ")} spans/s | ≥ ` +
      `100k spans/s |`,
  );
  rows.push(
    `| OTLP/HTTP ingest, JSON, same workload | ` +
      `${json.map((x) => `${Math.round(x / 1000)}k`).join(" / ")} spans/s | ≥ 100k spans/s |`,
  );

  const { requestToSpans } = await import("../src/telemetry/otlp/decode.js");
  const spans: Span[] = [];
  for (let b = 0; b < 100; b++) spans.push(...requestToSpans(jsonBatch(b, 1000), "bench"));
  // Window and order rules that do not succeed on the first candidate: every batch repeats the
  // same times, and span i of a batch runs [i µs, i µs + 500 ns]. "late.outer" covers only
  // span 987 (op.7), so the window rule scans op.7 candidates up to the 50th; "late.a" ends
  // just before span 987 starts, so must_precede scans to the 50th op.7. The worst cases find
  // no pair at all: op.3 inside op.4 (5,000 × 5,000 pairs) and op.0 after "late.z".
  const at = (ns: number): string => String(1_700_000_000_000_000_000n + BigInt(ns));
  const extra = (name: string, id: number, start: number, end: number) => ({
    traceId: hex(999, 32),
    spanId: hex(10_000_000 + id, 16),
    name,
    kind: 1,
    startTimeUnixNano: at(start),
    endTimeUnixNano: at(end),
    status: { code: 1 },
  });
  spans.push(
    ...requestToSpans(
      {
        resourceSpans: [
          {
            resource: { attributes: [{ key: "service.name", value: { stringValue: "bench" } }] },
            scopeSpans: [
              {
                spans: [
                  extra("late.outer", 1, 987_000 - 1, 987_500 + 1),
                  extra("late.a", 2, 986_000, 986_999),
                  extra("late.z", 3, 2_000_000, 2_000_001),
                ],
              },
            ],
          },
        ],
      },
      "bench",
    ),
  );
  const { config } = await loadTestSource(
    `[meta]\nname = "v"\n[[scenario]]\nname = "s"\nrun = "true"\n[[expect.span]]\n` +
      `name = "op.3"\nkind = "producer"\nattrs.all = { component = "bench" }\n` +
      `duration_ms = { max = 1 }\n[[expect.span]]\nname = "op.19"\nparent = "op.0"\n` +
      `[expect.graph]\nmust_include = [["op.0", "op.5"]]\nmust_not_cross = [["op.5", "op.0"]]\n` +
      `acyclic = true\n[expect.counts]\nspans_total = { eq = 100003 }\n` +
      `events_total = { gte = 1 }\nerrors_total = { eq = 0 }\n` +
      `by_name = { "op.1*" = { gte = 1 } }\n[[expect.window]]\nouter = "late.outer"\n` +
      `contains = ["op.7"]\n[[expect.window]]\nouter = "op.4"\ncontains = ["op.3"]\n` +
      `[expect.order]\nmust_precede = [["late.a", "op.7"], ["late.z", "op.0"]]\n` +
      `[expect.status]\nall = "OK"\nby_name = { "op.*" = "OK" }\n[expect.hermeticity]\n` +
      `no_external_services = true\nresource_attrs.must_match = { "service.name" = "bench" }\n` +
      `span_attrs.forbid_keys = ["http.url"]\n`,
    "v.toml",
    { env: {} },
  );
  validateExpectations(config.expect, spans.slice(0, 1000));
  const times: number[] = [];
  let findings = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    findings = validateExpectations(config.expect, spans, {
      allowedHosts: new Set(["svc"]),
    }).length;
    times.push(performance.now() - t);
  }
  const rules = validateExpectations(config.expect, spans, { allowedHosts: new Set(["svc"]) }).map(
    (f) => f.rule,
  );
  for (const r of ["expect.window[op.4].contains[op.3]", "expect.order.must_precede[late.z→op.0]"])
    if (!rules.includes(r)) throw new Error(`the worst case ${r} must fail: ${rules.join(", ")}`);
  for (const r of [
    "expect.window[late.outer].contains[op.7]",
    "expect.order.must_precede[late.a→op.7]",
  ])
    if (rules.includes(r)) throw new Error(`${r} must pass at its 50th candidate`);
  rows.push(
    `| all seven validators over 100k spans, window/order rules matched at the 50th ` +
      `candidate, plus two that find no pair (5,000 × 5,000 and 1 × 5,000), median of 5, ` +
      `${findings} findings: ${rules.join(", ")} | ${fmt(median(times))} ms | ≤ 500 ms |`,
  );

  // Delay from the last expected span's arrival to the verdict (expectations satisfied).
  const delays: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { config: c } = await loadTestSource(
      '[meta]\nname = "d"\n[[scenario]]\nname = "s"\nrun = "true"\n[[expect.span]]\n' +
        'name = "last"\n',
      "d.toml",
      { env: {} },
    );
    const tel = createTestTelemetry(c, "bench", true);
    const rx = await startReceiver(tel.store);
    const verdict = awaitCompletion(
      tel,
      () => validateExpectations(c.expect, tel.store.spans).length === 0,
      { since: Date.now(), quietMs: 5000, timeoutMs: 10_000 },
    );
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: hex(1, 32),
                  spanId: hex(i + 1, 16),
                  name: "last",
                  startTimeUnixNano: "1",
                  endTimeUnixNano: "2",
                },
              ],
            },
          ],
        },
      ],
    });
    const sent = performance.now();
    await fetch(`${rx.endpoint}/v1/traces`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    const r = await verdict;
    delays.push(performance.now() - sent);
    if (r.completion !== "satisfied") throw new Error(`completion ${r.completion}`);
    await rx.close();
  }
  rows.push(
    `| last expected span sent → verdict (OTLP/JSON POST, n=20) | median ` +
      `${fmt(median(delays))} ms, max ${fmt(Math.max(...delays))} ms | ≤ 300 ms |`,
  );
  return rows;
}
