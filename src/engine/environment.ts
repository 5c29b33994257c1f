/**
 * Runs one test file in a fresh environment: its own network, its services, then its
 * legacy [[steps]] (exec'd in the named service's container) or its v0.7 [[scenario]]s
 * (a fresh one-shot container each). Everything created is torn down in reverse order,
 * on success, failure, timeout or abort, and every container's logs are kept.
 */
import { randomBytes } from "node:crypto";
import { CleanroomError, asCleanroomError } from "../core/errors.js";
import type { ContainerLog, ScenarioResult, StepResult } from "../core/result.js";
import type { ProjectConfig } from "../config/project.js";
import { resolveImage } from "../config/project.js";
import type { ScenarioConfig, ServiceConfig, StepConfig, TestConfig } from "../config/types.js";
import type { Backend, ContainerSpec, NetworkInfo } from "./backend.js";
import { LABEL_HOST, LABEL_MANAGED, LABEL_PID, LABEL_RUN_ID, LABEL_TEST } from "./backend.js";
import { checkOutput } from "./assertions.js";
import { probesFor, waitUntilReady } from "./readiness.js";
import { hostname } from "node:os";
import { noopSpan, type TraceSpan } from "../core/tracing.js";

export interface EngineHooks {
  /** Called once the test network exists; returns environment for every container (e.g. OTEL_*). */
  attach?(net: NetworkInfo): Promise<Readonly<Record<string, string>>>;
  /** Extra environment for one scenario's containers (scenario resource attributes, TRACEPARENT of its clnrm span). */
  scenarioEnv?(scenario: string, service?: string, traceparent?: string): Readonly<Record<string, string>>;
  /** Called after each scenario (or the legacy step list) with its output. */
  afterScenario?(scenario: string, output: { stdout: string; stderr: string }): Promise<void>;
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
  /** Results of scenarios that need not run again (change-aware cache); STEPS_SCENARIO stands for legacy [[steps]]. */
  readonly reuse?: ReadonlyMap<string, ScenarioResult>;
}

export interface EngineOutcome {
  readonly scenarios: ScenarioResult[];
  readonly containers: ContainerLog[];
  readonly error?: CleanroomError;
  readonly imageAliases: string[];
  readonly network?: NetworkInfo;
}

const KEEP_ALIVE = ["sleep", "2147483647"];
/** The scenario name that stands for a legacy test's [[steps]] (in results, hooks and reuse). */
export const STEPS_SCENARIO = "steps";

interface Started {
  readonly name: string;
  readonly id: string;
  readonly image: string;
}

export async function executeTest(config: TestConfig, opts: EngineOptions, hooks: EngineHooks = {}): Promise<EngineOutcome> {
  const { backend, project } = opts;
  const scenarios: ScenarioResult[] = [];
  const containers: ContainerLog[] = [];
  const imageAliases: string[] = [];
  const started: Started[] = [];
  let network: NetworkInfo | undefined;
  const labels = {
    [LABEL_MANAGED]: "true",
    [LABEL_RUN_ID]: opts.runId,
    [LABEL_PID]: String(process.pid),
    [LABEL_HOST]: hostname(),
    [LABEL_TEST]: config.name.slice(0, 200),
  };
  const images = new Map<string, string>();
  const image = async (ref: string): Promise<string> => {
    const cached = images.get(ref);
    if (cached) return cached;
    const r = resolveImage(project, ref);
    if (r.aliasedFrom) imageAliases.push(`${r.aliasedFrom} → ${r.image}`);
    await backend.ensureImage(r.image, project.pullPolicy);
    images.set(ref, r.image);
    return r.image;
  };
  const det: Record<string, string> = {};
  if (config.determinism?.seed !== undefined) det.CLNRM_SEED = String(config.determinism.seed);
  if (config.determinism?.freezeClock !== undefined) det.CLNRM_FREEZE_CLOCK = config.determinism.freezeClock;

  let error: CleanroomError | undefined;
  const testSpan = opts.span ?? noopSpan;
  try {
    const registry = testSpan.child("clnrm.plugin.registry", { component: "plugin.registry", "plugin.count": config.services.length });
    const needsDefault = config.steps.some((s) => !s.service) || config.scenarios.some((s) => !s.service && (s.argv || s.steps.length));
    for (const s of config.services) await image(s.image);
    if (needsDefault) await image(project.defaultImage);
    registry.end();
    abortCheck(opts.signal);

    const netName = `clnrm-${opts.runId}-${slug(config.name)}-${randomBytes(3).toString("hex")}`;
    network = await backend.createNetwork(netName, opts.hermetic === true || config.hermetic, labels);
    const baseEnv = { ...((await hooks.attach?.(network)) ?? {}), ...det };

    const startContainer = async (name: string, spec: Omit<ContainerSpec, "labels" | "network">, aliases: string[]): Promise<string> => {
      try {
        const id = await backend.start({ ...spec, labels, network: { name: network!.name, aliases } });
        started.push({ name, id, image: spec.image });
        return id;
      } catch (e) {
        const id = e instanceof CleanroomError ? e.context.containerId : undefined;
        if (id) started.push({ name, id, image: spec.image });
        throw e instanceof CleanroomError ? e.withContext({ service: name }) : e;
      }
    };
    const serviceSpec = (svc: ServiceConfig, img: string, env: Readonly<Record<string, string>>, cmd?: readonly string[]): Omit<ContainerSpec, "labels" | "network"> => ({
      image: img,
      cmd,
      env: { ...baseEnv, ...(hooks.scenarioEnv?.("", svc.id) ?? {}), ...env, ...svc.env },
      workdir: svc.workdir,
      binds: svc.volumes.map((v) => `${v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`),
      ports: svc.ports,
      ...limitsOf(svc.limits ?? config.limits),
      healthcheck: svc.healthCheck?.docker && svc.healthCheck.cmd ? { test: ["CMD", ...svc.healthCheck.cmd], intervalMs: svc.healthCheck.intervalMs, timeoutMs: svc.healthCheck.timeoutMs, retries: 3 } : undefined,
    });

    const background = backgroundServices(config);
    const serviceIds = new Map<string, string>();
    for (const svc of startOrder(background)) {
      abortCheck(opts.signal);
      hooks.onProgress?.(`starting service ${svc.id}`);
      const span = testSpan.child("clnrm.service.start", { "service.name": svc.id, "service.image": svc.image });
      try {
        const keepAlive = config.format === "legacy" && !svc.args;
        const id = await startContainer(svc.id, serviceSpec(svc, await image(svc.image), {}, keepAlive ? KEEP_ALIVE : svc.args), [svc.id]);
        serviceIds.set(svc.id, id);
        span.addEvent("container.start", { "container.id": id, "container.image": svc.image });
        const { probes, hc } = probesFor(svc, id, backend, hooks.hasSpan);
        if (probes.length > 0) {
          const deadline = svc.waitForSpan && !hc ? svc.waitForSpanTimeoutMs : (hc?.timeoutMs ?? project.startupTimeoutMs);
          await waitUntilReady(svc, id, backend, probes, deadline, hc?.intervalMs ?? 250, opts.signal);
        }
        span.end();
      } catch (e) {
        span.end((e as Error).message);
        throw e;
      }
    }

    let defaultId: string | undefined;
    const containerFor = async (service: string | undefined): Promise<{ id: string; name: string }> => {
      if (service) return { id: serviceIds.get(service)!, name: service };
      defaultId ??= await startContainer("default", { image: await image(project.defaultImage), cmd: KEEP_ALIVE, env: baseEnv, ...limitsOf(config.limits) }, ["default"]);
      return { id: defaultId, name: "default" };
    };

    const reused = opts.reuse?.get(STEPS_SCENARIO);
    if (config.steps.length > 0 && reused) scenarios.push(reused);
    else if (config.steps.length > 0) {
      const t0 = Date.now();
      const results = await runSteps(config.steps, containerFor, backend, project.stepTimeoutMs, STEPS_SCENARIO, testSpan, opts.signal);
      scenarios.push({ name: STEPS_SCENARIO, status: results.some((r) => r.status === "failed") ? "failed" : "passed", durationMs: Date.now() - t0, steps: results });
      await hooks.afterScenario?.(STEPS_SCENARIO, joinOutput(results));
    }

    for (const sc of config.scenarios) {
      abortCheck(opts.signal);
      const cached = opts.reuse?.get(sc.name);
      if (cached) {
        scenarios.push(cached);
        continue;
      }
      hooks.onProgress?.(`scenario ${sc.name}`);
      const result = await runScenario(sc, config, { backend, image, startContainer, serviceSpec, containerFor, hooks, signal: opts.signal, baseEnv, limits: limitsOf(config.limits), defaultImage: project.defaultImage, stepTimeoutMs: project.stepTimeoutMs, span: testSpan });
      scenarios.push(result);
      await hooks.afterScenario?.(sc.name, joinOutput(result.steps));
    }
  } catch (e) {
    error = asCleanroomError(e, "Internal");
  } finally {
    for (const c of [...started].reverse()) {
      const logs = await backend.logs(c.id).catch(() => ({ stdout: "", stderr: "" }));
      containers.unshift({ name: c.name, containerId: c.id, image: c.image, ...logs });
      await backend.remove(c.id).catch(() => undefined);
    }
    if (network) await backend.removeNetwork(network.id).catch(() => undefined);
  }
  return { scenarios, containers, error, imageAliases, network };
}

interface ScenarioDeps {
  readonly backend: Backend;
  readonly image: (ref: string) => Promise<string>;
  readonly startContainer: (name: string, spec: Omit<ContainerSpec, "labels" | "network">, aliases: string[]) => Promise<string>;
  readonly serviceSpec: (svc: ServiceConfig, img: string, env: Readonly<Record<string, string>>, cmd?: readonly string[]) => Omit<ContainerSpec, "labels" | "network">;
  readonly containerFor: (service: string | undefined) => Promise<{ id: string; name: string }>;
  readonly hooks: EngineHooks;
  readonly signal?: AbortSignal;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly limits: { nanoCpus?: number; memoryBytes?: number };
  readonly defaultImage: string;
  readonly stepTimeoutMs: number;
  readonly span: TraceSpan;
}

async function runScenario(sc: ScenarioConfig, config: TestConfig, d: ScenarioDeps): Promise<ScenarioResult> {
  const t0 = Date.now();
  const svc = sc.service ? config.services.find((s) => s.id === sc.service) : undefined;
  const img = await d.image(svc?.image ?? d.defaultImage);
  const span = d.span.child(`clnrm.step:${sc.name}`, { "step.name": sc.name, "step.kind": "scenario", "container.image": img });
  const env = { ...(d.hooks.scenarioEnv?.(sc.name, sc.service, span.traceparent()) ?? {}), ...sc.env };
  const spec = svc ? d.serviceSpec(svc, img, env) : { image: img, env: { ...d.baseEnv, ...env }, ...d.limits };
  const aliases = [sc.service ?? "scenario"];
  const name = `scenario:${sc.name}`;
  const steps: StepResult[] = [];
  if (sc.steps.length === 0) {
    const cmd = sc.argv ?? svc?.args;
    const id = await d.startContainer(name, { ...spec, cmd }, aliases);
    span.addEvent("container.start", { "container.id": id, "container.image": img });
    span.addEvent("container.exec", { command: (cmd ?? []).join(" ") });
    const w = await d.backend.wait(id, sc.timeoutMs, d.signal);
    span.addEvent("container.stop", { "container.id": id, exit_code: w.exitCode });
    const logs = await d.backend.logs(id);
    const r = { exitCode: w.exitCode, stdout: logs.stdout, stderr: logs.stderr, durationMs: w.durationMs, timedOut: w.timedOut, oomKilled: w.oomKilled, memoryLimitBytes: w.memoryLimitBytes };
    const failure = checkOutput(`scenario[${sc.name}]`, sc, r, sc.timeoutMs);
    steps.push({ name: sc.name, kind: "scenario", service: sc.service, containerId: id, image: img, argv: cmd ?? [], ...r, status: failure ? "failed" : "passed", failure });
  } else {
    const id = await d.startContainer(name, { ...spec, cmd: KEEP_ALIVE }, aliases);
    span.addEvent("container.start", { "container.id": id, "container.image": img });
    const all: StepConfig[] = sc.argv
      ? [{ name: sc.name, command: sc.argv, env: {}, expectedExitCode: sc.expectedExitCode, expectedOutputRegex: sc.expectedOutputRegex, continueOnFailure: false, index: -1, timeoutMs: sc.timeoutMs }, ...sc.steps]
      : [...sc.steps];
    const deadline = sc.timeoutMs ? Date.now() + sc.timeoutMs : undefined;
    steps.push(...(await runSteps(all, async (s) => (s ? d.containerFor(s) : { id, name }), d.backend, d.stepTimeoutMs, `scenario[${sc.name}]`, span, d.signal, deadline)));
    span.addEvent("container.stop", { "container.id": id });
  }
  const failed = steps.some((s) => s.status === "failed");
  const firstFailure = steps.find((s) => s.failure)?.failure;
  span.setAttributes({ "step.result": failed ? "fail" : "pass" });
  span.end(firstFailure ? `${firstFailure.rule}: ${firstFailure.message}` : undefined);
  return { name: sc.name, status: failed ? "failed" : "passed", durationMs: Date.now() - t0, steps };
}

async function runSteps(
  steps: readonly StepConfig[],
  containerFor: (service: string | undefined) => Promise<{ id: string; name: string }>,
  backend: Backend,
  defaultTimeoutMs: number,
  prefix: string,
  parentSpan: TraceSpan,
  signal?: AbortSignal,
  deadline?: number,
): Promise<StepResult[]> {
  const out: StepResult[] = [];
  let stop = false;
  for (const step of steps) {
    if (stop || signal?.aborted) {
      out.push({ name: step.name, kind: "step", service: step.service, argv: step.command, stdout: "", stderr: "", durationMs: 0, status: "skipped", timedOut: false });
      continue;
    }
    const c = await containerFor(step.service);
    let timeoutMs = step.timeoutMs ?? defaultTimeoutMs;
    if (deadline !== undefined) timeoutMs = Math.max(1, Math.min(timeoutMs, deadline - Date.now()));
    const stepSpan = prefix === STEPS_SCENARIO ? parentSpan.child(`clnrm.step:${step.name}`, { "step.name": step.name, "step.index": step.index }) : parentSpan;
    const execSpan = stepSpan.child("clnrm.container.exec", { "container.id": c.id, command: step.command.join(" ") });
    const r = await backend.exec(c.id, step.command, { env: step.env, workdir: step.workdir, timeoutMs, signal }).catch(async (e: unknown) => {
      throw await containerGone(backend, c, step.name, e);
    });
    const failure = checkOutput(`${prefix}.step[${step.name}]`, step, r, timeoutMs);
    execSpan.setAttributes({ exit_code: r.exitCode });
    execSpan.end(r.timedOut ? "timed out" : undefined);
    stepSpan.addEvent("container.exec", { command: step.command.join(" "), exit_code: r.exitCode });
    if (stepSpan !== parentSpan) stepSpan.end(failure ? `${failure.rule}: ${failure.message}` : undefined);
    out.push({ name: step.name, kind: "step", service: step.service ?? c.name, containerId: c.id, argv: step.command, ...r, status: failure ? "failed" : "passed", failure });
    if (failure && !step.continueOnFailure) stop = true;
  }
  return out;
}

/** A step could not be exec'd: say which container, whether it exited (and how), and its last log lines. */
async function containerGone(backend: Backend, c: { id: string; name: string }, step: string, cause: unknown): Promise<CleanroomError> {
  const state = await backend.state(c.id).catch(() => undefined);
  const logs = await backend.logs(c.id).catch(() => ({ stdout: "", stderr: "" }));
  const tail = (logs.stdout + logs.stderr).trim().split("\n").slice(-10).join("\n    ");
  const what = state && !state.running ? `is not running (it exited with code ${state.exitCode})` : `could not run the command (${(cause as Error).message})`;
  return new CleanroomError("Service", `step "${step}": the container of "${c.name}" ${what}\n  last log lines:\n    ${tail || "(no output)"}`, {
    context: { containerId: c.id, service: c.name },
    hint: state && !state.running ? `a service used by steps must keep running: give it long-running args, or leave args out (clnrm then keeps it alive)` : undefined,
    cause,
  });
}

function joinOutput(steps: readonly StepResult[]): { stdout: string; stderr: string } {
  return { stdout: steps.map((s) => s.stdout).join("\n"), stderr: steps.map((s) => s.stderr).join("\n") };
}

function limitsOf(l: { cpuMillicores?: number; memoryMb?: number } | undefined): { nanoCpus?: number; memoryBytes?: number } {
  return { nanoCpus: l?.cpuMillicores ? l.cpuMillicores * 1e6 : undefined, memoryBytes: l?.memoryMb ? l.memoryMb * 1024 * 1024 : undefined };
}

/** Long-lived services: all of them for legacy steps; for v0.7, those no scenario runs itself. */
export function backgroundServices(config: TestConfig): ServiceConfig[] {
  const runBy = new Set(config.scenarios.filter((s) => s.argv || s.steps.length).map((s) => s.service));
  return config.format === "legacy" ? [...config.services] : config.services.filter((s) => !runBy.has(s.id));
}

/** Services in dependency order (depends_on first); the config builder already rejected cycles. */
export function startOrder(services: readonly ServiceConfig[]): ServiceConfig[] {
  const byId = new Map(services.map((s) => [s.id, s]));
  const out: ServiceConfig[] = [];
  const seen = new Set<string>();
  const visit = (s: ServiceConfig): void => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    for (const d of s.dependsOn) {
      const dep = byId.get(d);
      if (dep) visit(dep);
    }
    out.push(s);
  };
  services.forEach(visit);
  return out;
}

function abortCheck(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CleanroomError("Internal", "run interrupted");
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 30) || "test";
}
