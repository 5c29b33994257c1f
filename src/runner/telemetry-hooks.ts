/**
 * Wires telemetry into a test's environment: an OTLP receiver on the test network's
 * gateway, the OTEL_* environment every container gets, and span parsing of scenario output.
 * clnrm's own spans never reach this store: only the software under test talks to it.
 */
import { randomBytes } from "node:crypto";
import type { TestConfig } from "../config/types.js";
import type { EngineHooks } from "../engine/environment.js";
import type { NetworkInfo } from "../engine/backend.js";
import { startReceiver, type OtlpReceiver } from "../telemetry/receiver.js";
import { startGrpcReceiver, type GrpcReceiver } from "../telemetry/grpc-receiver.js";
import { SpanStore } from "../telemetry/store.js";
import { spansFromText } from "../telemetry/text-input.js";

export interface TestTelemetry {
  readonly store: SpanStore;
  readonly hooks: EngineHooks;
  /** The trace every scenario's TRACEPARENT belongs to. */
  readonly traceId: string;
  receiver(): OtlpReceiver | undefined;
  scenarioEndedAt: number;
  /** Scenarios whose stdout held span-like JSON although stdout is not a declared span source. */
  readonly undeclaredStdout: Map<string, number>;
  close(): Promise<void>;
}

const hex = (n: number): string => randomBytes(n).toString("hex");

export function createTestTelemetry(
  config: TestConfig,
  runId: string,
  enabled: boolean,
): TestTelemetry {
  const store = new SpanStore();
  const traceId = hex(16);
  let receiver: OtlpReceiver | undefined;
  let grpcReceiver: GrpcReceiver | undefined;
  const otel = config.otel;
  const resourceBase = {
    "clnrm.run_id": runId,
    "clnrm.test": config.name,
    ...(otel?.resources ?? {}),
  };
  const encode = (m: Record<string, string>): string =>
    Object.entries(m)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join(",");
  const state: TestTelemetry = {
    store,
    traceId,
    receiver: () => receiver,
    scenarioEndedAt: 0,
    undeclaredStdout: new Map(),
    close: async () => {
      await receiver?.close();
      await grpcReceiver?.close();
      receiver = undefined;
      grpcReceiver = undefined;
    },
    hooks: {
      attach: async (net: NetworkInfo) => {
        if (!enabled) return {};
        receiver = await startReceiver(store, net.gateway, 0);
        const env: Record<string, string> = {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL:
            otel?.protocol === "http/json" ? "http/json" : "http/protobuf",
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_TRACES_SAMPLER: "always_on",
          OTEL_BSP_SCHEDULE_DELAY: "100",
          OTEL_RESOURCE_ATTRIBUTES: encode(resourceBase),
        };
        if (otel?.protocol === "grpc") {
          // gRPC on request: the HTTP receiver stays up too, for senders that ignore the protocol variable.
          grpcReceiver = await startGrpcReceiver(store, net.gateway);
          env.OTEL_EXPORTER_OTLP_ENDPOINT = grpcReceiver.endpoint;
          env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = grpcReceiver.endpoint;
          env.OTEL_EXPORTER_OTLP_PROTOCOL = "grpc";
        }
        if (otel && Object.keys(otel.headers).length)
          env.OTEL_EXPORTER_OTLP_HEADERS = encode(otel.headers);
        if (otel?.propagators.length) env.OTEL_PROPAGATORS = otel.propagators.join(",");
        return env;
      },
      scenarioEnv: (
        scenario: string,
        service?: string,
        traceparent?: string,
      ): Record<string, string> => {
        const named: Record<string, string> = service ? { OTEL_SERVICE_NAME: service } : {};
        if (!enabled) return {};
        if (!scenario) return named;
        return {
          ...named,
          TRACEPARENT:
            traceparent && !traceparent.startsWith("00-0000")
              ? traceparent
              : `00-${traceId}-${hex(8)}-01`,
          OTEL_RESOURCE_ATTRIBUTES: encode({ ...resourceBase, "clnrm.scenario": scenario }),
        };
      },
      afterScenario: async (scenario: string, output: { stdout: string; stderr: string }) => {
        state.scenarioEndedAt = Date.now();
        const spans = spansFromText(output.stdout, "stdout");
        // Stdout is a span source only when the test declares it: any process can print JSON.
        if (spans.length && !stdoutDeclared(config, scenario)) {
          state.undeclaredStdout.set(scenario, spans.length);
          return;
        }
        if (spans.length)
          store.ingest(
            spans.map((s) => ({ ...s, resource: { "clnrm.scenario": scenario, ...s.resource } })),
          );
      },
      hasSpan: (name: string) => store.has(name),
    },
  };
  return state;
}

/** Whether a scenario's stdout is a declared span source (see ScenarioConfig.stdoutSpans). */
export function stdoutDeclared(config: TestConfig, scenario: string): boolean {
  const sc = config.scenarios.find((s) => s.name === scenario);
  return sc ? sc.stdoutSpans : config.stepsStdoutSpans;
}

/**
 * Waits until the trace is complete: every expectation satisfied, or no new span for
 * `quietMs` after the last scenario ended, bounded by `timeoutMs`.
 */
export async function awaitCompletion(
  t: TestTelemetry,
  satisfied: () => boolean,
  opts: { quietMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<{ completion: "satisfied" | "quiet" | "timeout"; waitedMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let soon: NodeJS.Timeout | undefined;
    const finish = (completion: "satisfied" | "quiet" | "timeout"): void => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (soon) clearTimeout(soon);
      resolve({ completion, waitedMs: Date.now() - started });
    };
    const evaluate = (): void => {
      if (satisfied()) return finish("satisfied");
      const now = Date.now();
      if (now - started >= opts.timeoutMs || opts.signal?.aborted) return finish("timeout");
      const quietSince = Math.max(t.store.lastArrival, t.scenarioEndedAt, started - opts.quietMs);
      if (now - quietSince >= opts.quietMs) return finish("quiet");
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        evaluate,
        Math.min(opts.quietMs - (now - quietSince), opts.timeoutMs - (now - started)) + 1,
      );
    };
    // Spans can arrive in many small batches: re-check at most every 20 ms, not on every batch,
    // so a large trace is not re-validated once per export request.
    const unsubscribe = t.store.onIngest(() => {
      soon ??= setTimeout(() => {
        soon = undefined;
        evaluate();
      }, 20);
    });
    evaluate();
  });
}
