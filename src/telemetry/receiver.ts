/**
 * The embedded OTLP/HTTP receiver: `POST /v1/traces` with protobuf or JSON bodies,
 * gzip accepted. One receiver per test, bound to the test network's gateway address so
 * that containers on that network, internal ones included, reach it and nothing else does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CleanroomError } from "../core/errors.js";
import { decodeExport } from "./otlp/decode.js";
import { ExportTraceServiceResponse } from "./otlp/wire.js";
import type { SpanSink } from "./store.js";

const MAX_BODY = 64 * 1024 * 1024;
const EMPTY_PROTO_RESPONSE = Buffer.from(
  ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish(),
);

export interface OtlpReceiver {
  readonly host: string;
  readonly port: number;
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (senders append /v1/traces). */
  readonly endpoint: string;
  requests: number;
  rejected: number;
  /** Export requests received but not yet answered (their spans may not be in the store yet). */
  readonly inFlight: number;
  close(): Promise<void>;
}

export async function startReceiver(
  sink: SpanSink,
  host = "127.0.0.1",
  port = 0,
): Promise<OtlpReceiver> {
  const state = { requests: 0, rejected: 0, inFlight: 0 };
  const server = http.createServer((req, res) => {
    if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/traces")) {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end("clnrm receives OTLP traces at POST /v1/traces\n");
      return;
    }
    state.inFlight++;
    let counted = true;
    const settle = (): void => {
      if (counted) state.inFlight--;
      counted = false;
    };
    res.once("finish", settle);
    res.once("close", settle);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      const ct = String(req.headers["content-type"] ?? "application/x-protobuf");
      try {
        const spans = decodeExport(
          Buffer.concat(chunks),
          ct,
          req.headers["content-encoding"] as string | undefined,
        );
        state.requests++;
        sink.ingest(spans);
        if (ct.includes("json"))
          res.writeHead(200, { "content-type": "application/json" }).end("{}");
        else
          res
            .writeHead(200, { "content-type": "application/x-protobuf" })
            .end(EMPTY_PROTO_RESPONSE);
      } catch (e) {
        state.rejected++;
        res.writeHead(400, { "content-type": "text/plain" }).end(`${(e as Error).message}\n`);
      }
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) =>
      reject(
        new CleanroomError(
          "Network",
          `cannot listen for OTLP on ${host}:${port}: ${(e as Error).message}`,
          { cause: e },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const addr = server.address() as AddressInfo;
  return {
    host,
    port: addr.port,
    endpoint: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`,
    get requests() {
      return state.requests;
    },
    get rejected() {
      return state.rejected;
    },
    get inFlight() {
      return state.inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
