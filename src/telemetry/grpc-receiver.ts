/**
 * OTLP/gRPC receiver (opentelemetry.proto.collector.trace.v1.TraceService/Export), started on
 * request (`[otel] protocol = "grpc"`). Messages are (de)serialized with the same protobufjs
 * schema as the HTTP receiver, so both feed the same span store.
 */
import * as grpc from "@grpc/grpc-js";
import { addressMatcher } from "../core/address-range.js";
import { CleanroomError } from "../core/errors.js";
import { foreignMessage } from "./receiver.js";
import { requestToSpans } from "./otlp/decode.js";
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from "./otlp/wire.js";
import type { SpanSink } from "./store.js";

export interface GrpcReceiver {
  readonly endpoint: string;
  /**
   * Export calls being handled. grpc-js calls the handler once the whole message is in, and the
   * spans are stored synchronously, so this is 0 between calls; kept for one completion check.
   */
  readonly inFlight: number;
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
  const server = new grpc.Server();
  let inFlight = 0;
  let foreign = 0;
  let lastForeign: string | undefined;
  const allowed = allowFrom ? addressMatcher([allowFrom]) : undefined;
  const service: grpc.ServiceDefinition = {
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: unknown) =>
        Buffer.from(ExportTraceServiceRequest.encode(v as object).finish()),
      requestDeserialize: (b: Buffer) => ExportTraceServiceRequest.decode(b),
      responseSerialize: () => Buffer.from(ExportTraceServiceResponse.encode({}).finish()),
      responseDeserialize: (b: Buffer) => ExportTraceServiceResponse.decode(b),
    },
  };
  server.addService(service, {
    Export: (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const from = peerAddress(call.getPeer());
      if (allowed && !allowed(from)) {
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
        sink.ingest(requestToSpans(call.request, "otlp-grpc"));
        callback(null, {});
      } catch (e) {
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
    get inFlight() {
      return inFlight;
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
