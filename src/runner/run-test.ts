/** Runs one test file end to end: load → environment → collect spans → validate → result. */
import { createHash } from "node:crypto";
import type { CleanroomError } from "../core/errors.js";
import type { ErrorInfo, Finding, ScenarioResult, TestResult } from "../core/result.js";
import type { ProjectConfig } from "../config/project.js";
import type { TestConfig } from "../config/types.js";
import { locateKeyPath } from "../config/locate.js";
import type { TemplateRenderer } from "../template/render.js";
import type { Backend, NetworkInfo } from "../engine/backend.js";
import { executeTest, type EngineOutcome } from "../engine/environment.js";
import { traceDigest } from "../telemetry/normalize.js";
import type { Span } from "../telemetry/span.js";
import { validateExpectations } from "../validate/index.js";
import { declaredRules, evidenceOf } from "../validate/rules.js";
import {
  createTestTelemetry,
  incompleteTrace,
  RECEIVER_ALIAS,
  settleTrace,
} from "./telemetry-hooks.js";
import { chooseReceiver } from "../engine/receiver-mode.js";
import { noopSpan, type TraceSpan } from "../core/tracing.js";
import { isSecretName, Redactor, registerSecrets, secretValues } from "../core/redact.js";
import { outputCapWarnings } from "./output-caps.js";

export interface RunTestDeps {
  readonly backend: Backend;
  readonly project: ProjectConfig;
  readonly runId: string;
  readonly renderer: TemplateRenderer;
  readonly map?: Readonly<Record<string, string>>;
  readonly hermetic?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  /**
   * Where the OTLP receiver runs, as chosen for the run (api/run-suite.ts); default: the
   * project's `[otel] receiver`, `auto` resolved here.
   */
  readonly receiver?: "host" | "sidecar";
  /** Upper bound for waiting on spans after the last scenario (ms). */
  readonly spanTimeoutMs?: number;
  /**
   * How long without a new span, after every container has exited or been stopped and with no
   * OTLP request in flight, counts as "the trace is complete" (ms, default 100).
   */
  readonly quietMs?: number;
  /** Called when the verdict is known (before teardown): for latency measurements. */
  readonly onVerdict?: (t: { lastSpanAt: number; stoppedAt: number; verdictAt: number }) => void;
  /** clnrm's own run span (clnrm.run); each test becomes a clnrm.test child. */
  readonly runSpan?: TraceSpan;
  /** Extra secrets: names of environment variables (`--secret NAME`) whose values are redacted. */
  readonly secrets?: ReadonlySet<string>;
  /** Cached scenarios: their results are reused and their spans join the ones collected now. */
  readonly reuse?: ReadonlyMap<
    string,
    { readonly result: ScenarioResult; readonly spans: readonly Span[] }
  >;
}

/** Every secret value a test's results could echo back. */
function secretsOf(
  config: TestConfig,
  named: ReadonlySet<string> = new Set(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Redactor {
  const values: string[] = [];
  for (const s of config.services) values.push(...secretValues(s.env, named));
  for (const sc of config.scenarios) {
    values.push(...secretValues(sc.env, named));
    for (const st of sc.steps) values.push(...secretValues(st.env, named));
  }
  for (const st of config.steps) values.push(...secretValues(st.env, named));
  values.push(...Object.values(config.otel?.headers ?? {}));
  for (const [k, v] of Object.entries(config.vars))
    if (typeof v === "string" && (isSecretName(k) || named.has(k))) values.push(v);
  for (const n of named) if (env[n]) values.push(env[n]!);
  // Also the URL-encoded form: OTEL_EXPORTER_OTLP_HEADERS and resource attributes carry secrets
  // encoded.
  registerSecrets(values); // process-wide too: console, clnrm's own spans, every file written
  return new Redactor([...values, ...values.map((v) => encodeURIComponent(v))]);
}

/** The spans and config of a finished test, for callers that keep them (reports, baselines). */
export interface TestRun {
  readonly result: TestResult;
  /** The spans as received (not redacted: validation and digests need the real values). */
  readonly spans: readonly Span[];
  readonly config?: TestConfig;
  /** Redacts this test's secrets from anything written out. */
  readonly redact?: Redactor;
}

export function errorInfo(e: CleanroomError): ErrorInfo {
  const { service, container } = e.unstatedTarget();
  const where = [service && `service ${service}`, container && `container ${container}`]
    .filter(Boolean)
    .join(", ");
  return {
    kind: e.kind,
    message: where ? `${e.message} (${where})` : e.message,
    location: e.location(),
    hint: e.hint,
  };
}

/**
 * A test's expectations checked against spans, each finding pointing at its line in the
 * (rendered) file. Peers named by the test's services, by the default/scenario container
 * aliases, by the receiver (the gateway at a receiver port) or by an address in the test network's
 * subnet (the test's own containers, as instrumentations name peers by IP) count as inside the
 * test; the gateway at any other port is the host, outside it.
 */
export function checkExpectations(
  config: TestConfig,
  spans: readonly Span[],
  network?: {
    readonly gateway: string;
    readonly subnet?: string;
    readonly receiverPorts?: readonly number[];
  },
): Finding[] {
  if (!config.hasExpectations) return [];
  const allowedHosts = new Set([
    ...config.services.map((s) => s.id),
    "default",
    "scenario",
    RECEIVER_ALIAS,
    ...(network?.receiverPorts ?? []).map((p) => `${network!.gateway}:${p}`),
    ...(network?.subnet ? [network.subnet] : []),
  ]);
  const hostAddresses = new Set(network ? [network.gateway] : []);
  return validateExpectations(config.expect, spans, { allowedHosts, hostAddresses }).map((f) =>
    f.keyPath && f.line === undefined ? { ...f, line: locateKeyPath(config.source, f.keyPath) } : f,
  );
}

interface Judged {
  readonly completion: "satisfied" | "quiet" | "timeout" | "none";
  readonly waitedMs: number;
  readonly spans: Span[];
  readonly findings: Finding[];
}

export async function runTestConfig(
  config: TestConfig,
  deps: RunTestDeps,
  t0 = Date.now(),
): Promise<TestRun> {
  const telemetryOn =
    config.otel !== undefined ||
    config.hasExpectations ||
    config.stepsStdoutSpans ||
    config.scenarios.some((s) => s.stdoutSpans) ||
    config.services.some((s) => s.waitForSpan);
  secretsOf(config, deps.secrets); // registered before any container, span or line is written
  const receiver =
    deps.receiver ??
    chooseReceiver(deps.project.receiver, {
      dockerHost: process.env.DOCKER_HOST,
      platform: process.platform,
    }).mode;
  const tel = createTestTelemetry(
    config,
    deps.runId,
    telemetryOn,
    receiver === "sidecar"
      ? {
          mode: receiver,
          deps: { backend: deps.backend, project: deps.project, signal: deps.signal },
        }
      : { mode: "host" },
  );
  let outcome: EngineOutcome;
  const span = (deps.runSpan ?? noopSpan).child("clnrm.test", {
    "test.name": config.name,
    "test.file": config.file,
    "test.hermetic": deps.hermetic === true || config.hermetic,
  });
  let verdictForSpan: string | undefined = "not finished";
  // Filled by the engine's settle hook: every container has exited or been stopped, the
  // receiver is still open, nothing is removed yet. The trace is completed and judged there.
  let judged: Judged | undefined;
  try {
    const reuse = new Map([...(deps.reuse ?? [])].map(([name, r]) => [name, r.result]));
    for (const r of deps.reuse?.values() ?? []) tel.store.ingest(r.spans);
    const settle = async (info: { stoppedAt: number; network?: NetworkInfo }): Promise<void> => {
      const network = info.network && { ...info.network, receiverPorts: tel.receiverPorts() };
      const quietMs = deps.quietMs ?? 100;
      const c = telemetryOn
        ? await settleTrace(
            tel,
            config.hasExpectations ? config.expect : undefined,
            () => checkExpectations(config, tel.store.spans, network).length === 0,
            {
              since: info.stoppedAt,
              quietMs,
              timeoutMs: deps.spanTimeoutMs ?? 10_000,
              signal: deps.signal,
            },
          )
        : { completion: "none" as const, waitedMs: 0 };
      // A sidecar receiver is stopped last, after every service, and its stream read to the end:
      // spans flushed at the services' stop are in the store before anything is judged.
      await tel.drain();
      const spans = [...tel.store.spans];
      const incomplete = c.completion === "timeout" && !deps.signal?.aborted;
      judged = {
        ...c,
        spans,
        findings: [
          ...(incomplete ? [incompleteTrace(tel, c.waitedMs, quietMs)] : []),
          ...checkExpectations(config, spans, network),
        ],
      };
      deps.onVerdict?.({
        lastSpanAt: tel.store.lastArrival,
        stoppedAt: info.stoppedAt,
        verdictAt: Date.now(),
      });
    };
    outcome = await executeTest(
      config,
      {
        backend: deps.backend,
        project: deps.project,
        runId: deps.runId,
        signal: deps.signal,
        hermetic: deps.hermetic,
        span,
        reuse,
      },
      { ...tel.hooks, onProgress: deps.onProgress, settle },
    );
    const spans = judged?.spans ?? [...tel.store.spans];
    const completion = judged ?? { completion: "none" as const, waitedMs: 0 };
    const stepFindings = outcome.scenarios.flatMap((s) =>
      s.steps.flatMap((st) => (st.failure ? [st.failure] : [])),
    );
    const findings = [
      ...stepFindings,
      ...tel.limitFindings(),
      ...outcome.findings.map((f) =>
        f.keyPath && f.line === undefined
          ? { ...f, line: locateKeyPath(config.source, f.keyPath) }
          : f,
      ),
      ...(outcome.error ? [] : (judged?.findings ?? [])),
    ];
    const verdict = outcome.error || findings.length > 0 ? "failed" : "passed";
    const sources: Record<string, number> = {};
    for (const s of spans) sources[s.source] = (sources[s.source] ?? 0) + 1;
    const result: TestResult = {
      file: config.file,
      name: config.name,
      verdict,
      durationMs: Date.now() - t0,
      scenarios: outcome.scenarios,
      findings,
      firstFailure: findings[0],
      error: outcome.error ? errorInfo(outcome.error) : undefined,
      telemetry: telemetryOn
        ? {
            spans: spans.length,
            events: spans.reduce((n, s) => n + s.events.length, 0),
            digest: traceDigest(spans),
            completion: completion.completion,
            waitedMs: completion.waitedMs,
            sources,
          }
        : undefined,
      // Nothing was evaluated when set-up failed: no evidence either way.
      evidence: outcome.error
        ? undefined
        : evidenceOf(config.expect, config.hasExpectations, spans),
      rules: declaredRules(config.expect),
      specHash: createHash("sha256").update(config.source).digest("hex"),
      seed: config.determinism?.seed,
      freezeClock: config.determinism?.freezeClock,
      containers: outcome.containers,
      warnings: [
        ...config.warnings.map(
          (w) => `${w.keyPath}: ${w.message}${w.line ? ` (line ${w.line})` : ""}`,
        ),
        ...[...tel.undeclaredStdout].map(
          ([sc, n]) =>
            `scenario "${sc}" printed ${n} span-like JSON object(s) on stdout, not counted: ` +
            "stdout is not a declared span source (declare it with " +
            'artifacts.collect = ["spans:default"] or [otel] exporter = "stdout")',
        ),
        ...outputCapWarnings(outcome.scenarios, outcome.containers),
        ...[tel.foreignWarning()].filter((w): w is string => w !== undefined),
      ],
      imageAliases: [...new Set(outcome.imageAliases)],
    };
    span.setAttributes({
      result: verdict === "passed" ? "pass" : "fail",
      "spans.collected": spans.length,
    });
    verdictForSpan = result.firstFailure
      ? `${result.firstFailure.rule}: ${result.firstFailure.message}`
      : result.error?.message;
    const redact = secretsOf(config, deps.secrets);
    return { result: redact.deep(result), spans, config, redact };
  } finally {
    span.end(verdictForSpan);
    await tel.close();
  }
}

export function notRunResult(file: string, reason: string): TestResult {
  return {
    file,
    name: file,
    verdict: "failed",
    durationMs: 0,
    scenarios: [],
    findings: [],
    error: { kind: "Internal", message: reason },
    notRun: true,
    specHash: "",
    containers: [],
    warnings: [],
    imageAliases: [],
  };
}

/**
 * The run's spans with secrets redacted in attributes, events, resource and status (timestamps
 * kept).
 */
export function redactedSpans(run: TestRun): readonly Span[] {
  const r = run.redact;
  if (!r || r.size === 0) return run.spans;
  return run.spans.map((s) => ({
    ...s,
    attributes: r.deep(s.attributes),
    resource: r.deep(s.resource),
    events: s.events.map((e) => ({ ...e, name: r.text(e.name), attributes: r.deep(e.attributes) })),
    status: {
      ...s.status,
      message: s.status.message === undefined ? undefined : r.text(s.status.message),
    },
  }));
}

/**
 * A test whose every scenario is cached: no container starts; the current expectations are checked
 * against the cached spans.
 */
export function cachedTestRun(
  config: TestConfig,
  scenarios: readonly ScenarioResult[],
  spans: readonly Span[],
  secrets?: ReadonlySet<string>,
): TestRun {
  const findings = checkExpectations(config, spans);
  const result: TestResult = {
    file: config.file,
    name: config.name,
    verdict: findings.length ? "failed" : "passed",
    durationMs: 0,
    scenarios,
    findings,
    firstFailure: findings[0],
    cached: true,
    telemetry:
      config.hasExpectations || config.otel
        ? {
            spans: spans.length,
            events: spans.reduce((n, s) => n + s.events.length, 0),
            digest: traceDigest(spans),
            completion: "none",
            sources: { cache: spans.length },
          }
        : undefined,
    evidence: evidenceOf(config.expect, config.hasExpectations, spans),
    rules: declaredRules(config.expect),
    specHash: createHash("sha256").update(config.source).digest("hex"),
    seed: config.determinism?.seed,
    freezeClock: config.determinism?.freezeClock,
    containers: [],
    warnings: config.warnings.map((w) => `${w.keyPath}: ${w.message}`),
    imageAliases: [],
  };
  const redact = secretsOf(config, secrets);
  return { result: redact.deep(result), spans, config, redact };
}
