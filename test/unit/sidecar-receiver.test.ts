/**
 * The sidecar receiver's two halves without a container: the real script (telemetry/
 * sidecar-script.ts) run by this node on loopback, its stdout fed to SidecarIngest, side by side
 * with the host receiver given the same requests. Spans, digests and refusal messages must be the
 * same; the in-flight count and the end record must hold for the settle-then-judge wait.
 * Mutations caught: the `begin` record not counted in flight (the slow-body test sees 0); the end
 * record written before the servers closed (the request finished after SIGTERM is missing);
 * gRPC messages given the "otlp-http" source (sources differ from the host gRPC receiver's).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { ExportTraceServiceRequest } from "../../src/telemetry/otlp/wire.js";
import { traceDigest } from "../../src/telemetry/normalize.js";
import { startReceiver } from "../../src/telemetry/receiver.js";
import { startGrpcReceiver } from "../../src/telemetry/grpc-receiver.js";
import { SidecarIngest } from "../../src/telemetry/sidecar-ingest.js";
import { SIDECAR_SCRIPT } from "../../src/telemetry/sidecar-script.js";
import { SpanStore } from "../../src/telemetry/store.js";

const hex = (h: string): Buffer => Buffer.from(h, "hex");
const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: hex("5b8efff798038103d269b633813fc60c"),
              spanId: hex("00f067aa0ba902b7"),
              name: "root",
              kind: 2,
              startTimeUnixNano: "1700000000000000000",
              endTimeUnixNano: "1700000000250000000",
              attributes: [{ key: "n", value: { intValue: 42 } }],
              events: [{ name: "ev", timeUnixNano: "1700000000100000000" }],
              status: { code: 2, message: "boom" },
            },
            {
              traceId: hex("5b8efff798038103d269b633813fc60c"),
              spanId: hex("00f067aa0ba902b8"),
              parentSpanId: hex("00f067aa0ba902b7"),
              name: "child",
              kind: 3,
            },
          ],
        },
      ],
    },
  ],
};
const PROTO = Buffer.from(ExportTraceServiceRequest.encode(request).finish());
const JSON_BODY = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        { spans: [{ traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "json.span" }] },
      ],
    },
  ],
});

interface Sidecar {
  readonly ingest: SidecarIngest;
  readonly store: SpanStore;
  readonly child: ChildProcess;
  readonly http: number;
  readonly grpc: number;
  readonly exited: Promise<void>;
}

async function sidecar(limits: { maxBodyBytes?: number; maxInflatedBytes?: number } = {}) {
  const store = new SpanStore();
  const ingest = new SidecarIngest(store, limits);
  const child = spawn(process.execPath, ["-e", SIDECAR_SCRIPT], {
    env: {
      CLNRM_HTTP_PORT: "0",
      CLNRM_GRPC_PORT: "0",
      ...(limits.maxBodyBytes ? { CLNRM_MAX_BODY: String(limits.maxBodyBytes) } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout!.on("data", (c: Buffer) => ingest.push(c));
  const exited = new Promise<void>((r) => child.stdout!.on("end", () => r()));
  await ingest.ready;
  return { ingest, store, child, exited, http: ingest.ports!.http, grpc: ingest.ports!.grpc };
}

function post(
  port: number,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: "/v1/traces", method: "POST", headers },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const stop = async (s: Sidecar): Promise<void> => {
  s.child.kill("SIGTERM");
  await s.exited;
};

describe("sidecar receiver (the script on loopback, read back like the engine stream)", () => {
  it("protobuf, gzip'd protobuf and JSON give the host receiver's spans and digest", async () => {
    const s = await sidecar();
    const hostStore = new SpanStore();
    const host = await startReceiver(hostStore);
    try {
      const bodies: [Buffer | string, Record<string, string>][] = [
        [PROTO, { "content-type": "application/x-protobuf" }],
        [gzipSync(PROTO), { "content-type": "application/x-protobuf", "content-encoding": "gzip" }],
        [JSON_BODY, { "content-type": "application/json" }],
      ];
      for (const [body, headers] of bodies) {
        const a = await post(s.http, body, headers);
        const b = await post(host.port, body, headers);
        assert.equal(a.status, 200);
        assert.equal(a.status, b.status);
        assert.equal(a.body, b.body);
      }
      await stop(s);
      assert.equal(s.ingest.ended, true);
      assert.equal(s.ingest.requests, 3);
      assert.equal(s.store.spans.length, 3); // the gzip'd copy repeats the protobuf's two spans
      assert.deepEqual(s.store.spans, hostStore.spans);
      assert.equal(traceDigest(s.store.spans), traceDigest(hostStore.spans));
    } finally {
      s.child.kill();
      await host.close();
    }
  });

  it("limits and refusals are the host receiver's: 413, inflate cap, garbage", async () => {
    const limits = { maxBodyBytes: 4096, maxInflatedBytes: 64 * 1024 };
    const s = await sidecar(limits);
    const host = await startReceiver(new SpanStore(), "127.0.0.1", 0, limits);
    try {
      const cases: [Buffer, Record<string, string>, number][] = [
        [Buffer.alloc(10_000, 1), { "content-type": "application/x-protobuf" }, 413],
        [
          gzipSync(Buffer.alloc(1024 * 1024)),
          { "content-type": "application/x-protobuf", "content-encoding": "gzip" },
          200, // the sidecar does not decode: it answers 200, clnrm refuses it (counted the same)
        ],
        [Buffer.from("not json"), { "content-type": "application/json" }, 200],
      ];
      for (const [body, headers, sidecarStatus] of cases) {
        const a = await post(s.http, body, headers);
        await post(host.port, body, headers);
        assert.equal(a.status, sidecarStatus);
        await new Promise((r) => setTimeout(r, 50)); // the record is read from the pipe
        assert.equal(s.ingest.lastRejection, host.lastRejection);
      }
      assert.match(s.ingest.lastRejection ?? "", /^HTTP 400: clnrm: OTLP\/JSON body is not valid/);
      assert.equal(s.ingest.rejected, 3);
      assert.equal(s.ingest.rejected, host.rejected);
      assert.equal(s.ingest.inFlight, 0);
    } finally {
      await stop(s);
      await host.close();
    }
  });

  it("a request is in flight from its first byte; SIGTERM waits for it (end record)", async () => {
    const s = await sidecar();
    const req = http.request({
      host: "127.0.0.1",
      port: s.http,
      path: "/v1/traces",
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-length": PROTO.length },
    });
    const answered = new Promise<number>((r) => req.on("response", (res) => r(res.statusCode!)));
    req.write(PROTO.subarray(0, 10));
    const until = Date.now() + 5000;
    while (s.ingest.inFlight === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.ingest.inFlight, 1);
    s.child.kill("SIGTERM"); // the stop arrives while the body is still coming
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.ingest.ended, false);
    req.end(PROTO.subarray(10));
    assert.equal(await answered, 200);
    await s.exited;
    assert.equal(s.ingest.ended, true);
    assert.equal(s.ingest.forced, false);
    assert.equal(s.ingest.inFlight, 0);
    assert.equal(s.store.spans.length, 2);
  });

  it("OTLP/gRPC (a grpc-js client) gives the host gRPC receiver's spans and source", async () => {
    const s = await sidecar();
    const hostStore = new SpanStore();
    const host = await startGrpcReceiver(hostStore, "127.0.0.1");
    const call = (endpoint: string): Promise<void> => {
      const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
      return new Promise<void>((resolve, reject) =>
        client.makeUnaryRequest(
          "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
          (v: Buffer) => v,
          (b: Buffer) => b,
          PROTO,
          (err) => {
            client.close();
            if (err) reject(err);
            else resolve();
          },
        ),
      );
    };
    try {
      await call(`127.0.0.1:${s.grpc}`);
      await call(host.endpoint.replace("http://", ""));
      await stop(s);
      assert.equal(s.ingest.ended, true);
      assert.deepEqual(s.store.spans, hostStore.spans);
      assert.deepEqual(
        s.store.spans.map((x) => x.source),
        ["otlp-grpc", "otlp-grpc"],
      );
    } finally {
      s.child.kill();
      await host.close();
    }
  });
});
