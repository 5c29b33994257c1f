/**
 * The OTLP/gRPC receiver with a real gRPC client on loopback (no Docker): spans in, the error
 * path (a sink that refuses, bytes that are not a request, a host it cannot bind) and shutdown.
 * Mutations (by hand in src/telemetry/grpc-receiver.ts) each check was seen to catch:
 * - the try/catch around sink.ingest removed → the call fails with UNKNOWN/INTERNAL, not
 *   INVALID_ARGUMENT with the sink's message (and the next call must still work).
 * - close() resolving without tryShutdown → the port still accepts connections afterwards.
 * - bind error not wrapped → a plain Error instead of CleanroomError kind Network.
 * - the interceptor's count of started calls dropped → the 21 MiB call (answered by grpc-js
 *   itself) is not counted as rejected, and the test would pass without its spans.
 * - the allowFrom check dropped → the stranger's call is OK and its span stored.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { CleanroomError } from "../../src/core/errors.js";
import type { Span } from "../../src/telemetry/span.js";
import { SpanStore, type SpanSink } from "../../src/telemetry/store.js";
import { peerAddress, startGrpcReceiver } from "../../src/telemetry/grpc-receiver.js";
import { ExportTraceServiceRequest } from "../../src/telemetry/otlp/wire.js";

const EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

function request(name: string): Buffer {
  const msg = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: Buffer.from("ab".repeat(16), "hex"),
                spanId: Buffer.from(name.padEnd(8, "_").slice(0, 8)),
                name,
                startTimeUnixNano: 1,
                endTimeUnixNano: 2,
              },
            ],
          },
        ],
      },
    ],
  });
  return Buffer.from(ExportTraceServiceRequest.encode(msg).finish());
}

/** One unary Export call with raw bytes; resolves to the status code and details. */
function exportCall(endpoint: string, body: Buffer): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(
    endpoint.replace(/^http:\/\//, ""),
    grpc.credentials.createInsecure(),
  );
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      { deadline: Date.now() + 5000 },
      (err) => {
        client.close();
        resolve(
          err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" },
        );
      },
    );
  });
}

const accepts = (endpoint: string): Promise<boolean> =>
  new Promise((resolve) => {
    const [host, port] = endpoint.replace(/^http:\/\//, "").split(":");
    const s = net.connect({ host, port: Number(port) });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

describe("OTLP/gRPC receiver", () => {
  it(
    "ingests an Export request; a refusing sink gives " +
      "INVALID_ARGUMENT with its message; garbage is rejected; it keeps serving",
    async () => {
      const got: Span[] = [];
      let refuse = false;
      const sink: SpanSink = {
        ingest: (spans: readonly Span[]) => {
          if (refuse) throw new Error("span limit reached (test)");
          got.push(...spans);
        },
      };
      const rx = await startGrpcReceiver(sink, "127.0.0.1");
      try {
        assert.deepEqual(await exportCall(rx.endpoint, request("first")), { code: 0, details: "" });
        assert.deepEqual(
          got.map((s) => [s.name, s.source]),
          [["first", "otlp-grpc"]],
        );
        refuse = true;
        const refused = await exportCall(rx.endpoint, request("second"));
        assert.equal(refused.code, grpc.status.INVALID_ARGUMENT);
        assert.equal(refused.details, "span limit reached (test)");
        refuse = false;
        const garbage = await exportCall(rx.endpoint, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
        assert.notEqual(garbage.code, grpc.status.OK);
        assert.equal(rx.rejected, 2, "the sink's refusal and the garbage are counted");
        // over the 20 MiB limit: grpc-js answers it before clnrm's handler, and it still counts
        const huge = await exportCall(rx.endpoint, Buffer.alloc(21 * 1024 * 1024));
        assert.equal(huge.code, grpc.status.RESOURCE_EXHAUSTED);
        assert.equal(rx.rejected, 3);
        assert.match(rx.lastRejection ?? "", /1 export call\(s\) never reached clnrm whole/);
        assert.deepEqual(await exportCall(rx.endpoint, request("third")), { code: 0, details: "" });
        assert.deepEqual(
          got.map((s) => s.name),
          ["first", "third"],
        );
      } finally {
        await rx.close();
      }
    },
  );

  it(
    "close() stops listening: the port " + "refuses connections and calls fail UNAVAILABLE",
    async () => {
      const rx = await startGrpcReceiver(new SpanStore(), "127.0.0.1");
      assert.equal(await accepts(rx.endpoint), true);
      await rx.close();
      assert.equal(await accepts(rx.endpoint), false);
      assert.equal((await exportCall(rx.endpoint, request("late"))).code, grpc.status.UNAVAILABLE);
    },
  );

  it("a host it cannot bind is a Network error naming the host", async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails, nothing is sent
    await assert.rejects(startGrpcReceiver(new SpanStore(), "192.0.2.1"), (e: unknown) => {
      assert.ok(e instanceof CleanroomError);
      assert.equal(e.kind, "Network");
      assert.match(e.message, /cannot listen for OTLP\/gRPC on 192\.0\.2\.1/);
      return true;
    });
  });

  it("refuses a sender outside allowFrom (PERMISSION_DENIED), counted apart, no span", async () => {
    assert.equal(peerAddress("127.0.0.1:5678"), "127.0.0.1");
    assert.equal(peerAddress("ipv4:10.1.2.3:80"), "10.1.2.3");
    assert.equal(peerAddress("[::ffff:172.17.0.2]:40000"), "::ffff:172.17.0.2");
    const store = new SpanStore();
    // the client connects from 127.0.0.1: outside 127.0.0.2/32, inside 127.0.0.0/8
    const shut = await startGrpcReceiver(store, "127.0.0.1", "127.0.0.2/32");
    // on 127.0.0.2 the client (from 127.0.0.1) is a container of its network, not the host
    const open = await startGrpcReceiver(store, "127.0.0.2", "127.0.0.0/8");
    const self = await startGrpcReceiver(store, "127.0.0.1", "127.0.0.0/8");
    try {
      const refused = await exportCall(shut.endpoint, request("stranger"));
      assert.equal(refused.code, grpc.status.PERMISSION_DENIED);
      assert.match(refused.details, /OTLP from 127\.0\.0\.1 refused: .*\(network 127\.0\.0\.2\//);
      assert.equal(shut.foreign, 1);
      assert.equal(shut.lastForeign, "127.0.0.1");
      assert.equal(store.spans.length, 0);
      assert.equal((await exportCall(open.endpoint, request("friend"))).code, grpc.status.OK);
      assert.equal(open.foreign, 0);
      const host = await exportCall(self.endpoint, request("host"));
      assert.equal(host.code, grpc.status.PERMISSION_DENIED, "the gateway address is the host's");
      assert.deepEqual(
        store.spans.map((x) => x.name),
        ["friend"],
      );
    } finally {
      await shut.close();
      await open.close();
      await self.close();
    }
  });
});
