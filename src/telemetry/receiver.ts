/**
 * The embedded OTLP/HTTP receiver: `POST /v1/traces` with protobuf or JSON bodies,
 * gzip accepted. One receiver per test, bound to the test network's gateway address so that
 * containers on that network, internal ones included, reach it. Containers on any other network
 * reach that address too (the host answers on all its addresses, whatever the bridge), so with
 * `allowFrom` (the test network's subnet) a request from any other address is refused: no span
 * is believed that the test's own containers did not send.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { foreignSender } from "../core/address-range.js";
import { CleanroomError } from "../core/errors.js";
import { decodeExport, INFLATE_LIMIT_RULE } from "./otlp/decode.js";
import { ExportTraceServiceResponse } from "./otlp/wire.js";
import type { SpanSink } from "./store.js";

/** OTLP/HTTP request body limit (the OpenTelemetry Collector's default is 20 MiB too). */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;
let emptyProtoResponse: Buffer | undefined;
const EMPTY_PROTO_RESPONSE = (): Buffer =>
  (emptyProtoResponse ??= Buffer.from(
    ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish(),
  ));

export interface OtlpReceiver {
  readonly host: string;
  readonly port: number;
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (senders append /v1/traces). */
  readonly endpoint: string;
  requests: number;
  rejected: number;
  /** Why the last rejected export was refused (HTTP status and message). */
  readonly lastRejection?: string;
  /** Export requests received but not yet answered (their spans may not be in the store yet). */
  readonly inFlight: number;
  /** Requests refused because they came from outside `allowFrom`; never counted as the test's. */
  readonly foreign: number;
  /** The address of the last such request. */
  readonly lastForeign?: string;
  close(): Promise<void>;
}

export interface ReceiverLimits {
  readonly maxBodyBytes?: number;
  readonly maxInflatedBytes?: number;
  /**
   * Only senders with an address in this CIDR range (the test network's subnet), other than the
   * address the receiver listens on (the gateway: the host's own), are heard.
   */
  readonly allowFrom?: string;
}

/** The refusal of a sender outside the test network (HTTP 403, gRPC PERMISSION_DENIED). */
export function foreignMessage(from: string, range: string): string {
  return (
    `clnrm: OTLP from ${from} refused: this receiver takes spans only from its test's ` +
    `containers (network ${range}, not the gateway)`
  );
}

const mib = (n: number): string => `${(n / 1048576).toFixed(n < 1048576 ? 2 : 0)} MiB`;

/** The refusal of a body over the limit (`seen`: "of 25 MiB"); the sidecar receiver's too. */
export function tooLargeMessage(seen: string, maxBody: number): string {
  return (
    `clnrm: OTLP request body ${seen} exceeds the ${mib(maxBody)} limit; ` +
    "export smaller batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)"
  );
}

/** The HTTP status and message a body that does not decode is refused with (413 or 400). */
export function decodeRejection(e: unknown): { status: number; message: string } {
  const inflateLimit = e instanceof CleanroomError && e.context.rule === INFLATE_LIMIT_RULE;
  return { status: inflateLimit ? 413 : 400, message: `clnrm: ${(e as Error).message}` };
}

export async function startReceiver(
  sink: SpanSink,
  host = "127.0.0.1",
  port = 0,
  limits: ReceiverLimits = {},
): Promise<OtlpReceiver> {
  const maxBody = limits.maxBodyBytes ?? MAX_BODY_BYTES;
  const state: {
    requests: number;
    rejected: number;
    inFlight: number;
    foreign: number;
    lastRejection?: string;
    lastForeign?: string;
  } = { requests: 0, rejected: 0, inFlight: 0, foreign: 0 };
  const isForeign = foreignSender(limits.allowFrom, host);
  const reject = (res: http.ServerResponse, status: number, message: string): void => {
    state.rejected++;
    state.lastRejection = `HTTP ${status}: ${message}`;
    // OTLP/HTTP: a JSON-or-text body the SDK logs; 413 is not retryable, so the SDK drops it
    res
      .writeHead(status, { "content-type": "text/plain", connection: "close" })
      .end(`${message}\n`);
  };
  const server = http.createServer((req, res) => {
    if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/traces")) {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end("clnrm receives OTLP traces at POST /v1/traces\n");
      return;
    }
    const from = req.socket.remoteAddress ?? "?";
    if (isForeign?.(from)) {
      state.foreign++;
      state.lastForeign = from;
      req.resume();
      res
        .writeHead(403, { "content-type": "text/plain", connection: "close" })
        .end(`${foreignMessage(from, limits.allowFrom!)}\n`);
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
    const tooLarge = (seen: string): void => {
      reject(res, 413, tooLargeMessage(seen, maxBody));
      // answered before the body is read whole: discard the rest, bounded in bytes and time
      let discarded = 0;
      req.removeAllListeners("data");
      req.on("data", (c: Buffer) => {
        discarded += c.length;
        if (discarded > maxBody) req.socket.destroy();
      });
      setTimeout(() => req.socket.destroy(), 2000).unref();
    };
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (declared > maxBody) {
      tooLarge(`of ${mib(declared)}`);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
      else if (!refused) {
        refused = true;
        chunks.length = 0;
        tooLarge(`of more than ${mib(maxBody)}`);
      }
    });
    req.on("end", () => {
      if (refused) return;
      const ct = String(req.headers["content-type"] ?? "application/x-protobuf");
      try {
        const spans = decodeExport(
          Buffer.concat(chunks),
          ct,
          req.headers["content-encoding"] as string | undefined,
          limits.maxInflatedBytes,
        );
        state.requests++;
        sink.ingest(spans);
        if (ct.includes("json"))
          res.writeHead(200, { "content-type": "application/json" }).end("{}");
        else
          res
            .writeHead(200, { "content-type": "application/x-protobuf" })
            .end(EMPTY_PROTO_RESPONSE());
      } catch (e) {
        const why = decodeRejection(e);
        reject(res, why.status, why.message);
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
    get lastRejection() {
      return state.lastRejection;
    },
    get inFlight() {
      return state.inFlight;
    },
    get foreign() {
      return state.foreign;
    },
    get lastForeign() {
      return state.lastForeign;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
