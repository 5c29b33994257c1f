/**
 * `--receiver sidecar`: the OTLP receiver in a container on the test's network (engine side:
 * engine/receiver-sidecar.ts; the script: telemetry/sidecar-script.ts; decoding:
 * telemetry/sidecar-ingest.ts), presented to the rest of the run like the host receiver.
 */
import { CleanroomError } from "../core/errors.js";
import type { ProjectConfig } from "../config/project.js";
import { resolveImage } from "../config/project.js";
import type { Backend, NetworkInfo } from "../engine/backend.js";
import { startSidecar } from "../engine/receiver-sidecar.js";
import type { OtlpReceiver } from "../telemetry/receiver.js";
import { MAX_BODY_BYTES } from "../telemetry/receiver.js";
import { SidecarIngest } from "../telemetry/sidecar-ingest.js";
import {
  SIDECAR_ALIAS,
  SIDECAR_GRPC_PORT,
  SIDECAR_HTTP_PORT,
  SIDECAR_SCRIPT,
} from "../telemetry/sidecar-script.js";
import type { SpanSink } from "../telemetry/store.js";

/** SIGTERM grace of the sidecar at the stop: it answers what it is receiving, then exits. */
const SIDECAR_GRACE_MS = 5000;

export interface SidecarReceiver extends OtlpReceiver {
  /** Base URL for OTLP/gRPC senders. */
  readonly grpcEndpoint: string;
  /**
   * Stops the sidecar (after every service stopped: it is stopped last) and waits until all it
   * received is in the store. Throws when its stream ended without its end record.
   */
  drain(): Promise<void>;
}

export interface SidecarDeps {
  readonly backend: Backend;
  readonly project: Pick<
    ProjectConfig,
    "receiverImage" | "imageAliases" | "pullPolicy" | "pullTimeoutMs"
  >;
  readonly signal?: AbortSignal;
}

export async function startSidecarReceiver(
  sink: SpanSink,
  net: NetworkInfo,
  labels: Readonly<Record<string, string>>,
  deps: SidecarDeps,
): Promise<SidecarReceiver> {
  const ingest = new SidecarIngest(sink, { maxBodyBytes: MAX_BODY_BYTES });
  const image = resolveImage(deps.project, deps.project.receiverImage).image;
  const sidecar = await startSidecar(
    deps.backend,
    {
      image,
      cmd: ["node", "-e", SIDECAR_SCRIPT],
      env: {
        CLNRM_MAX_BODY: String(MAX_BODY_BYTES),
        CLNRM_HTTP_PORT: String(SIDECAR_HTTP_PORT),
        CLNRM_GRPC_PORT: String(SIDECAR_GRPC_PORT),
        // only the test's containers may send: its subnet, not the gateway (the host)
        CLNRM_ALLOW_FROM: net.subnet ?? "",
        CLNRM_GATEWAY: net.gateway,
      },
      alias: SIDECAR_ALIAS,
      network: net,
      labels,
      pullPolicy: deps.project.pullPolicy,
      pullTimeoutMs: deps.project.pullTimeoutMs,
      ready: ingest.ready,
      signal: deps.signal,
    },
    (chunk) => ingest.push(chunk),
  );
  let drained = false;
  return {
    host: SIDECAR_ALIAS,
    port: SIDECAR_HTTP_PORT,
    endpoint: `http://${SIDECAR_ALIAS}:${SIDECAR_HTTP_PORT}`,
    grpcEndpoint: `http://${SIDECAR_ALIAS}:${SIDECAR_GRPC_PORT}`,
    get requests() {
      return ingest.requests;
    },
    get rejected() {
      return ingest.rejected;
    },
    get lastRejection() {
      return ingest.lastRejection;
    },
    get inFlight() {
      return ingest.inFlight;
    },
    get foreign() {
      return ingest.foreign;
    },
    get lastForeign() {
      return ingest.lastForeign;
    },
    drain: async () => {
      if (drained) return;
      drained = true;
      await sidecar.drain(SIDECAR_GRACE_MS);
      if (!ingest.ended || ingest.forced) {
        const what = ingest.ended
          ? "gave up on requests still arriving at its stop"
          : "stopped without writing its end record";
        const last = ingest.noise.length ? ` (${ingest.noise.at(-1)})` : "";
        throw new CleanroomError(
          "Network",
          `the OTLP sidecar receiver ${what}: spans may be missing${last}`,
        );
      }
    },
    close: () => sidecar.remove(),
  };
}
