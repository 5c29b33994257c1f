/**
 * What the stages of one test's run share: the options, the labels every resource carries, the
 * containers started so far, the results and findings collected, and the helpers that start a
 * container the same way everywhere (labels, network, aliases, environment precedence).
 */
import { CleanroomError } from "../../core/errors.js";
import type { Finding, ScenarioResult } from "../../core/result.js";
import { noopSpan, type TraceSpan } from "../../core/tracing.js";
import type { ProjectConfig } from "../../config/project.js";
import { resolveImage } from "../../config/project.js";
import type { ServiceConfig, TestConfig } from "../../config/types.js";
import type { Backend, ContainerSpec, NetworkInfo } from "../backend.js";
import { LABEL_TEST, runLabels } from "../backend.js";

export interface EngineHooks {
  /**
   * Called once the test network exists, with the labels every resource of the test carries;
   * returns environment for every container (e.g. OTEL_*).
   */
  attach?(
    net: NetworkInfo,
    labels: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>>>;
  /**
   * Called at teardown, on every path, before the network is removed: removes whatever attach
   * put on the network (the sidecar receiver). Must not throw.
   */
  detach?(): Promise<void>;
  /** Extra environment for one scenario's containers (resource attributes, TRACEPARENT). */
  scenarioEnv?(
    scenario: string,
    service?: string,
    traceparent?: string,
  ): Readonly<Record<string, string>>;
  /**
   * A listener for every stdout line of one scenario's containers and execs, as it arrives and
   * past the kept cap too (stdout spans); called once per scenario, before it runs.
   */
  stdoutLines?(scenario: string): ((line: string) => void) | undefined;
  /** Called after each scenario (or the legacy step list) with its output. */
  afterScenario?(scenario: string, output: { stdout: string; stderr: string }): Promise<void>;
  /**
   * Called once every container of the test has exited or been stopped, before anything is
   * removed (the receiver and the network are still there): the trace is completed and judged here.
   */
  settle?(info: { readonly stoppedAt: number; readonly network?: NetworkInfo }): Promise<void>;
  /** True once a span with this name has been received (wait_for_span readiness). */
  hasSpan?(name: string): boolean;
  onProgress?(message: string): void;
}

export interface EngineOptions {
  readonly backend: Backend;
  readonly project: ProjectConfig;
  readonly runId: string;
  readonly signal?: AbortSignal;
  /** Forces an internal network (`--hermetic`). */
  readonly hermetic?: boolean;
  /** clnrm's own span for this test (clnrm.test); steps, services and execs become its children. */
  readonly span?: TraceSpan;
  /** Results of scenarios that need not run again (cache); STEPS_SCENARIO stands for [[steps]]. */
  readonly reuse?: ReadonlyMap<string, ScenarioResult>;
}

/** The scenario name that stands for a legacy test's [[steps]] (in results, hooks and reuse). */
export const STEPS_SCENARIO = "steps";
export const KEEP_ALIVE = ["sleep", "2147483647"];
const PULL_HINT =
  'raise [containers] pull_timeout in cleanroom.toml (e.g. "10m"), or pull the image beforehand';

export interface Started {
  readonly name: string;
  readonly id: string;
  readonly image: string;
  /** Set for long-lived services (their exit before the stop is a finding). */
  readonly service?: ServiceConfig;
  /** True once the container is known to have exited (a one-shot scenario waited for). */
  exited?: boolean;
}

type Spec = Omit<ContainerSpec, "labels" | "network">;
type Env = Readonly<Record<string, string>>;

export interface TestContext {
  readonly config: TestConfig;
  readonly backend: Backend;
  readonly project: ProjectConfig;
  readonly hooks: EngineHooks;
  readonly reuse?: ReadonlyMap<string, ScenarioResult>;
  readonly hermetic: boolean;
  readonly runId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The caller's signal joined with the test's own deadline. */
  readonly signal: AbortSignal;
  readonly span: TraceSpan;
  readonly started: Started[];
  readonly scenarios: ScenarioResult[];
  readonly findings: Finding[];
  readonly imageAliases: string[];
  readonly serviceIds: Map<string, string>;
  network?: NetworkInfo;
  baseEnv: Env;
  defaultContainer?: Promise<string>;
  /** Stops the test deadline's timer. */
  clearDeadline(): void;
  /** The local image for a reference (aliases applied, pulled per policy); calls share pulls. */
  image(ref: string): Promise<string>;
}

export function createContext(
  config: TestConfig,
  opts: EngineOptions,
  hooks: EngineHooks,
): TestContext {
  const { backend, project } = opts;
  const images = new Map<string, Promise<string>>();
  const imageAliases: string[] = [];
  const deadline = testDeadline(config, project);
  const det: Record<string, string> = {};
  if (config.determinism?.seed !== undefined) det.CLNRM_SEED = String(config.determinism.seed);
  if (config.determinism?.freezeClock !== undefined)
    det.CLNRM_FREEZE_CLOCK = config.determinism.freezeClock;
  return {
    config,
    backend,
    project,
    hooks,
    reuse: opts.reuse,
    hermetic: opts.hermetic === true || config.hermetic,
    runId: opts.runId,
    labels: { ...runLabels(opts.runId), [LABEL_TEST]: config.name.slice(0, 200) },
    signal: opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal,
    span: opts.span ?? noopSpan,
    started: [],
    scenarios: [],
    findings: [],
    imageAliases,
    serviceIds: new Map(),
    baseEnv: det,
    clearDeadline: deadline.clear,
    image: (ref) => {
      let p = images.get(ref);
      if (!p) {
        const r = resolveImage(project, ref);
        if (r.aliasedFrom) imageAliases.push(`${r.aliasedFrom} → ${r.image}`);
        p = backend
          .ensureImage(r.image, project.pullPolicy, project.pullTimeoutMs)
          .then(() => r.image)
          .catch((e: unknown) => {
            throw e instanceof CleanroomError && e.kind === "Timeout"
              ? new CleanroomError("Timeout", `${e.message} ([containers] pull_timeout)`, {
                  hint: PULL_HINT,
                })
              : e;
          });
        images.set(ref, p);
      }
      return p;
    },
  };
}

/** The whole test's bound: `[test.metadata] timeout`, else `[test_execution] default_timeout`. */
function testDeadline(
  config: TestConfig,
  project: ProjectConfig,
): { signal: AbortSignal; clear(): void } {
  const ms = config.timeoutMs ?? project.testTimeoutMs;
  const source =
    config.timeoutMs !== undefined ? "[test.metadata] timeout" : "[test_execution] default_timeout";
  const ctrl = new AbortController();
  const timer = setTimeout(
    () =>
      ctrl.abort(
        new CleanroomError("Timeout", `test "${config.name}" timed out after ${ms} ms (${source})`),
      ),
    ms,
  );
  timer.unref();
  return { signal: ctrl.signal, clear: () => clearTimeout(timer) };
}

/** Throws why the test must stop: its deadline (a Timeout error) or the caller's interruption. */
export function abortCheck(signal: AbortSignal): void {
  if (signal.aborted) throw interruption(signal);
}

export function interruption(signal: AbortSignal): CleanroomError {
  return signal.reason instanceof CleanroomError
    ? signal.reason
    : new CleanroomError("Internal", "run interrupted");
}

/** Creates and starts a labelled container on the test network; always torn down at the end. */
export async function startContainer(
  ctx: TestContext,
  name: string,
  spec: Spec,
  aliases: readonly string[],
  service?: ServiceConfig,
): Promise<Started> {
  const network = ctx.network!;
  try {
    const id = await ctx.backend.start({
      ...spec,
      labels: ctx.labels,
      network: { name: network.name, aliases },
    });
    const started: Started = { name, id, image: spec.image, service };
    ctx.started.push(started);
    return started;
  } catch (e) {
    const id = e instanceof CleanroomError ? e.context.containerId : undefined;
    if (id) ctx.started.push({ name, id, image: spec.image, service });
    throw e instanceof CleanroomError ? e.withContext({ service: name }) : e;
  }
}

/**
 * A container spec from a service. Environment, lowest precedence first: what clnrm injects
 * (OTEL_*, CLNRM_*), then the service's `env`, then `env` (a scenario's own, which wins).
 */
export function serviceSpec(
  ctx: TestContext,
  svc: ServiceConfig,
  img: string,
  injected: Env,
  env: Env,
  cmd?: readonly string[],
): Spec {
  return {
    image: img,
    cmd,
    env: {
      ...ctx.baseEnv,
      ...(ctx.hooks.scenarioEnv?.("", svc.id) ?? {}),
      ...injected,
      ...svc.env,
      ...env,
    },
    workdir: svc.workdir,
    binds: svc.volumes.map((v) => `${v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`),
    ports: svc.ports,
    ...limitsOf(svc.limits ?? ctx.config.limits),
    healthcheck:
      svc.healthCheck?.docker && svc.healthCheck.cmd
        ? {
            test: ["CMD", ...svc.healthCheck.cmd],
            intervalMs: svc.healthCheck.intervalMs,
            timeoutMs: svc.healthCheck.timeoutMs ?? 30_000,
            retries: 3,
          }
        : undefined,
  };
}

/** The container steps without a service run in: the project's default image, kept alive. */
export async function containerFor(
  ctx: TestContext,
  service: string | undefined,
): Promise<{ id: string; name: string }> {
  if (service) return { id: ctx.serviceIds.get(service)!, name: service };
  ctx.defaultContainer ??= ctx
    .image(ctx.project.defaultImage)
    .then(
      async (image) =>
        (
          await startContainer(
            ctx,
            "default",
            { image, cmd: KEEP_ALIVE, env: ctx.baseEnv, ...limitsOf(ctx.config.limits) },
            ["default"],
          )
        ).id,
    );
  return { id: await ctx.defaultContainer, name: "default" };
}

export function limitsOf(l: { cpuMillicores?: number; memoryMb?: number } | undefined): {
  nanoCpus?: number;
  memoryBytes?: number;
} {
  return {
    nanoCpus: l?.cpuMillicores ? l.cpuMillicores * 1e6 : undefined,
    memoryBytes: l?.memoryMb ? l.memoryMb * 1024 * 1024 : undefined,
  };
}

/** The last lines of a container's output, indented, for messages. */
export async function logTail(backend: Backend, id: string, lines = 10): Promise<string> {
  const logs = await backend.logs(id).catch(() => ({ stdout: "", stderr: "" }));
  const tail = (logs.stdout + logs.stderr).trim().split("\n").slice(-lines).join("\n    ");
  return tail || "(no output)";
}
