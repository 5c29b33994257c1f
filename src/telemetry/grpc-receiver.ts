/**
 * OTLP/gRPC receiver (opentelemetry.proto.collector.trace.v1.TraceService/Export), started on
 * request (`[otel] protocol = "grpc"`). Messages are (de)serialized with the same protobufjs
 * schema as the HTTP receiver, so both feed the same span store.
 */
import * as grpc from "@grpc/grpc-js";
import { foreignSender } from "../core/address-range.js";
import { CleanroomError } from "../core/errors.js";
import { foreignMessage, MAX_BODY_BYTES } from "./receiver.js";
import { requestToSpans } from "./otlp/decode.js";
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from "./otlp/wire.js";
import type { SpanSink } from "./store.js";

export interface GrpcReceiver {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Export calls being handled. grpc-js calls the handler once the whole message is in, and the
   * spans are stored synchronously, so this is 0 between calls; kept for one completion check.
   */
  readonly inFlight: number;
  /**
   * Export calls refused: by clnrm (not a valid message) or by grpc-js before clnrm saw them
   * (over the 20 MiB limit, a body that does not decompress): started calls never handled.
   * Their spans are missing, as with the HTTP receiver's refusals.
   */
  readonly rejected: number;
  readonly lastRejection?: string;
  /** Calls refused because they came from outside `allowFrom` (see receiver.ts). */
  readonly foreign: number;
  readonly lastForeign?: string;
  close(): Promise<void>;
}

/** The address of a grpc-js peer string: `1.2.3.4:5678`, `[::ffff:1.2.3.4]:5678`. */
export function peerAddress(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]*)\]/.exec(p);
  return bracketed ? bracketed[1]! : p.replace(/:\d+$/, "");
}

const EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

export async function startGrpcReceiver(
  sink: SpanSink,
  host: string,
  allowFrom?: string,
): Promise<GrpcReceiver> {
  // Every call is counted when it starts (an interceptor runs before the message is read), so
  // one grpc-js answers itself (RESOURCE_EXHAUSTED over the size limit, a failed decompression)
  // is still seen: started but never handled. grpc-js has no hook for those answers.
  let started = 0;
  let handled = 0;
  let refused = 0;
  let lastRefusal: string | undefined;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_BODY_BYTES,
    interceptors: [
      (_method, call) => {
        started++;
        return new grpc.ServerInterceptingCall(call);
      },
    ],
  });
  let inFlight = 0;
  let foreign = 0;
  let lastForeign: string | undefined;
  const isForeign = foreignSender(allowFrom, host);
  const service: grpc.ServiceDefinition = {
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: unknown) =>
        Buffer.from(ExportTraceServiceRequest.encode(v as object).finish()),
      // decoded in the handler, so that a message that does not decode is counted there
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: () => Buffer.from(ExportTraceServiceResponse.encode({}).finish()),
      responseDeserialize: (b: Buffer) => ExportTraceServiceResponse.decode(b),
    },
  };
  server.addService(service, {
    Export: (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      handled++;
      const from = peerAddress(call.getPeer());
      if (isForeign?.(from)) {
        foreign++;
        lastForeign = from;
        callback({
          code: grpc.status.PERMISSION_DENIED,
          details: foreignMessage(from, allowFrom!),
        });
        return;
      }
      inFlight++;
      try {
        const request = ExportTraceServiceRequest.decode(call.request as Buffer);
        sink.ingest(requestToSpans(request, "otlp-grpc"));
        callback(null, {});
      } catch (e) {
        refused++;
        lastRefusal = `gRPC INVALID_ARGUMENT: ${(e as Error).message}`;
        callback({ code: grpc.status.INVALID_ARGUMENT, details: (e as Error).message });
      } finally {
        inFlight--;
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err
        ? reject(
            new CleanroomError(
              "Network",
              `cannot listen for OTLP/gRPC on ${host}: ${err.message}`,
              { cause: err },
            ),
          )
        : resolve(p),
    ),
  );
  return {
    endpoint: `http://${host}:${port}`,
    port,
    get inFlight() {
      return inFlight;
    },
    get rejected() {
      return refused + Math.max(0, started - handled);
    },
    get lastRejection() {
      return started > handled
        ? `gRPC: ${started - handled} export call(s) never reached clnrm whole (refused by ` +
            `grpc-js: over ${MAX_BODY_BYTES / 1048576} MiB or not decompressible; or cut off by ` +
            "the sender)"
        : lastRefusal;
    },
    get foreign() {
      return foreign;
    },
    get lastForeign() {
      return lastForeign;
    },
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
