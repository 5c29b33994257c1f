/**
 * Wires telemetry into a test's environment: an OTLP receiver on the test network's
 * gateway, the OTEL_* environment every container gets, and span parsing of scenario output.
 * clnrm's own spans never reach this store: only the software under test talks to it.
 */
import { randomBytes } from "node:crypto";
import type { CountBound, Expectations, TestConfig } from "../config/types.js";
import type { Finding } from "../core/result.js";
import type { EngineHooks } from "../engine/environment.js";
import type { NetworkInfo } from "../engine/backend.js";
import { startReceiver, type OtlpReceiver } from "../telemetry/receiver.js";
import type { GrpcReceiver } from "../telemetry/grpc-receiver.js";
import { SpanStore } from "../telemetry/store.js";
import type { Span } from "../telemetry/span.js";
import { spansFromLine, spansFromText } from "../telemetry/text-input.js";
import { SIDECAR_ALIAS } from "../telemetry/sidecar-script.js";
import {
  startSidecarReceiver,
  type SidecarDeps,
  type SidecarReceiver,
} from "./sidecar-receiver.js";

/** Where the test's receiver runs: host (default) or a sidecar container (engine API). */
export type ReceiverSetup =
  | { readonly mode: "host" }
  | { readonly mode: "sidecar"; readonly deps: SidecarDeps };

/** The host name the test's containers send OTLP to in sidecar mode (a peer inside the test). */
export const RECEIVER_ALIAS = SIDECAR_ALIAS;

export interface TestTelemetry {
  readonly store: SpanStore;
  readonly hooks: EngineHooks;
  /** The trace every scenario's TRACEPARENT belongs to. */
  readonly traceId: string;
  receiver(): OtlpReceiver | undefined;
  /** The ports the test's receivers listen on (HTTP, and gRPC when started). */
  receiverPorts(): number[];
  scenarioEndedAt: number;
  /** Failing findings of the limits (span cap reached, OTLP exports refused): issue 12. */
  limitFindings(): Finding[];
  /** OTLP export requests received but not answered yet, over both receivers. */
  inFlight(): number;
  /**
   * Once every container of the test stopped and the wait for spans is over: stops a sidecar
   * receiver last and waits until all it received is in the store (nothing in host mode).
   */
  drain(): Promise<void>;
  /**
   * Export requests refused because they came from outside the test network (another container
   * on the engine): a warning, since the test's own software did not send them.
   */
  foreignWarning(): string | undefined;
  /** Scenarios whose stdout held span-like JSON although stdout is not a declared span source. */
  readonly undeclaredStdout: Map<string, number>;
  close(): Promise<void>;
}

const hex = (n: number): string => randomBytes(n).toString("hex");

export function createTestTelemetry(
  config: TestConfig,
  runId: string,
  enabled: boolean,
  setup: ReceiverSetup = { mode: "host" },
): TestTelemetry {
  const store = new SpanStore(config.limits?.maxSpans);
  let rejectedExports = 0;
  let lastRejection: string | undefined;
  const traceId = hex(16);
  let receiver: OtlpReceiver | undefined;
  let sidecar: SidecarReceiver | undefined;
  let grpcReceiver: GrpcReceiver | undefined;
  const otel = config.otel;
  const resourceBase = {
    "clnrm.run_id": runId,
    "clnrm.test": config.name,
    ...(otel?.resources ?? {}),
  };
  /** Spans found so far in each running scenario's stdout lines (streamed, issue 12). */
  const streamed = new Map<string, number>();
  const ingestStdout = (scenario: string, spans: readonly Span[]): void =>
    store.ingest(
      // the scenario that printed it, whatever the line claims
      spans.map((s) => ({ ...s, resource: { ...s.resource, "clnrm.scenario": scenario } })),
    );
  /** Exports the receivers still open refused (HTTP and gRPC), and the reason of the last. */
  const refusedByOpenReceivers = (): number =>
    (receiver?.rejected ?? 0) + (grpcReceiver?.rejected ?? 0);
  const lastRefusalOfOpenReceivers = (): string | undefined =>
    grpcReceiver?.lastRejection ?? receiver?.lastRejection;
  const encode = (m: Record<string, string>): string =>
    Object.entries(m)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join(",");
  const state: TestTelemetry = {
    store,
    traceId,
    receiver: () => receiver,
    // host mode only: the sidecar listens inside the network, never on the gateway
    receiverPorts: () =>
      (sidecar ? [] : [receiver?.port, grpcReceiver?.port]).filter(
        (p): p is number => typeof p === "number" && p > 0,
      ),
    scenarioEndedAt: 0,
    limitFindings: () => {
      const out: Finding[] = [];
      const capped = store.limitFinding();
      if (capped) out.push(capped);
      const rejected = rejectedExports + refusedByOpenReceivers();
      const why = lastRefusalOfOpenReceivers() ?? lastRejection;
      if (rejected > 0)
        out.push({
          rule: "telemetry.otlp_rejected",
          message:
            `${rejected} OTLP export request(s) from the software were refused; their ` +
            `spans are missing (${why})`,
          expected: "every export accepted",
          actual: `${rejected} refused`,
        });
      return out;
    },
    inFlight: () => (receiver?.inFlight ?? 0) + (grpcReceiver?.inFlight ?? 0),
    drain: async () => {
      await sidecar?.drain();
    },
    foreignWarning: () => {
      const n = (receiver?.foreign ?? 0) + (grpcReceiver?.foreign ?? 0);
      if (n === 0) return undefined;
      const from = grpcReceiver?.lastForeign ?? receiver?.lastForeign;
      return (
        `refused ${n} OTLP export request(s) from outside the test network (last from ` +
        `${from}): a sender that is not one of the test's containers (another container on ` +
        "the engine, or the host at the gateway address); its spans were not counted"
      );
    },
    undeclaredStdout: new Map(),
    close: async () => {
      rejectedExports += refusedByOpenReceivers();
      lastRejection = lastRefusalOfOpenReceivers() ?? lastRejection;
      await receiver?.close();
      await grpcReceiver?.close();
      receiver = undefined;
      sidecar = undefined;
      grpcReceiver = undefined;
    },
    hooks: {
      attach: async (net: NetworkInfo, labels: Readonly<Record<string, string>>) => {
        if (!enabled) return {};
        if (setup.mode === "sidecar")
          receiver = sidecar = await startSidecarReceiver(store, net, labels, setup.deps);
        // the test network's subnet only: other containers reach the gateway address too
        else receiver = await startReceiver(store, net.gateway, 0, { allowFrom: net.subnet });
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
        if (otel?.protocol === "grpc" && sidecar) {
          env.OTEL_EXPORTER_OTLP_ENDPOINT = sidecar.grpcEndpoint;
          env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = sidecar.grpcEndpoint;
          env.OTEL_EXPORTER_OTLP_PROTOCOL = "grpc";
        } else if (otel?.protocol === "grpc") {
          // gRPC on request: the HTTP receiver stays up too, for senders that ignore the protocol
          // variable.
          // Imported only here: @grpc/grpc-js is loaded by the runs that ask for gRPC.
          const { startGrpcReceiver } = await import("../telemetry/grpc-receiver.js");
          grpcReceiver = await startGrpcReceiver(store, net.gateway, net.subnet);
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
      // Stdout is a span source only when the test declares it: any process can print JSON.
      stdoutLines: (scenario: string) => {
        const declared = stdoutDeclared(config, scenario);
        streamed.set(scenario, 0);
        return (line: string) => {
          const spans = spansFromLine(line, "stdout");
          if (spans.length === 0) return;
          streamed.set(scenario, (streamed.get(scenario) ?? 0) + spans.length);
          if (declared) ingestStdout(scenario, spans);
        };
      },
      afterScenario: async (scenario: string, output: { stdout: string; stderr: string }) => {
        const seen = streamed.get(scenario) ?? 0;
        streamed.delete(scenario);
        // Lines were parsed as they arrived (past the kept cap too); the kept text is read again
        // only when no line held a span: one JSON document printed over several lines.
        const spans = seen > 0 ? [] : spansFromText(output.stdout, "stdout");
        if (seen + spans.length > 0 && !stdoutDeclared(config, scenario)) {
          state.undeclaredStdout.set(scenario, seen + spans.length);
          return;
        }
        if (spans.length) ingestStdout(scenario, spans);
      },
      // The sidecar goes before the network; its spans are in the store (drain) or given up.
      detach: async () => {
        await sidecar?.close();
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
 * True when no span that may still arrive can change the verdict of these expectations: each
 * rule only asks for something to exist (a span, an edge, a containing window, a lower bound).
 * `counts` with lte/eq, `errors_total`, `status`, `must_not_cross`, `acyclic`, `order` and
 * hermeticity can all be broken by one more span, so a test with any of them waits until the
 * trace is complete.
 */
export function canEndEarly(e: Expectations): boolean {
  const c = e.counts;
  const lowerOnly = (b?: CountBound): boolean =>
    b === undefined || (b.eq === undefined && b.lte === undefined);
  return (
    !e.graph?.mustNotCross.length &&
    !e.graph?.acyclic &&
    (c === undefined ||
      (lowerOnly(c.spansTotal) &&
        lowerOnly(c.eventsTotal) &&
        c.errorsTotal === undefined &&
        Object.values(c.byName).every(lowerOnly) &&
        Object.values(c.byKind).every(lowerOnly))) &&
    e.order === undefined &&
    e.status === undefined &&
    e.hermeticity === undefined
  );
}

export type Completion = "satisfied" | "quiet" | "timeout";

/** The least wait after every container stopped, for bytes already sent to be read (ms). */
const AFTER_STOP_MS = 25;

/**
 * The finding of a trace wait that ran out (`--span-timeout`) with spans still arriving or an
 * export request still open after every container stopped: the trace is not complete, and a
 * verdict on part of it would not be honest.
 */
export function incompleteTrace(t: TestTelemetry, waitedMs: number, quietMs: number): Finding {
  const open = t.inFlight();
  const last = t.store.lastArrival
    ? `the last span came ${Math.max(0, Date.now() - t.store.lastArrival)} ms before the end`
    : "no span came";
  return {
    rule: "telemetry.incomplete",
    message:
      `the trace was not complete when the wait for spans ended (${waitedMs} ms after every ` +
      "container stopped, --span-timeout): it is not judged on part of it",
    expected: `no new span and no open OTLP request for ${quietMs} ms after the stop`,
    actual: `${open} request(s) open; ${last}`,
  };
}

/**
 * A test's trace-completion wait: `met()` (its expectations hold on the spans so far) may end it
 * early only when canEndEarly says no later span can change that.
 */
export function settleTrace(
  t: TestTelemetry,
  expect: Expectations | undefined,
  met: () => boolean,
  opts: { since?: number; quietMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<{ completion: Completion; waitedMs: number }> {
  const early = expect !== undefined && canEndEarly(expect);
  return awaitCompletion(t, () => early && met(), opts);
}

/**
 * Waits until the trace is complete. Called once every container has exited or been stopped
 * (`since`): complete means no OTLP request is in flight, no new span arrived for `quietMs` and
 * at least 25 ms passed since the stop; or, earlier, `satisfied()` (only ever true for
 * expectations more spans cannot break; see canEndEarly) with nothing in flight.
 * `timeoutMs` (`--span-timeout`) bounds the whole wait.
 */
export async function awaitCompletion(
  t: TestTelemetry,
  satisfied: () => boolean,
  opts: { since?: number; quietMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<{ completion: Completion; waitedMs: number }> {
  const started = Date.now();
  const since = opts.since ?? started;
  // a wait shorter than the quiet period (plus the after-stop turns) could never see it complete
  const timeoutMs = Math.max(opts.timeoutMs, opts.quietMs + AFTER_STOP_MS + 25);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let soon: NodeJS.Timeout | undefined;
    const finish = (completion: Completion): void => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (soon) clearTimeout(soon);
      resolve({ completion, waitedMs: Date.now() - started });
    };
    const evaluate = (): void => {
      const busy = t.inFlight() > 0;
      if (!busy && satisfied()) {
        finish("satisfied");
        return;
      }
      const now = Date.now();
      // Quiet: no span for quietMs, and a few event-loop turns since the stop, so that whatever
      // the exited processes wrote to their sockets has been read.
      const quietSince = Math.max(t.store.lastArrival, since - opts.quietMs + AFTER_STOP_MS);
      if (!busy && now - quietSince >= opts.quietMs) {
        finish("quiet");
        return;
      }
      if (now - started >= timeoutMs || opts.signal?.aborted) {
        finish("timeout");
        return;
      }
      if (timer) clearTimeout(timer);
      // A request in flight is polled for (it may end without adding a span).
      const next = busy ? 10 : opts.quietMs - (now - quietSince);
      timer = setTimeout(evaluate, Math.min(next, timeoutMs - (now - started)) + 1);
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
