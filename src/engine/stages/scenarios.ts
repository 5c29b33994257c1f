/**
 * Stage 3, run scenarios: a legacy test's [[steps]] (exec'd in their service's container), then
 * each v0.7 [[scenario]] in a fresh container of its own. Every run is bounded: its own
 * `timeout_ms`, else `[test_execution] step_timeout`; a timeout finding names the one that fired.
 */
import { CleanroomError } from "../../core/errors.js";
import type { StepResult } from "../../core/result.js";
import type { TraceSpan } from "../../core/tracing.js";
import type { ScenarioConfig, StepConfig } from "../../config/types.js";
import { checkOutput, type TimeoutInfo } from "../assertions.js";
import {
  abortCheck,
  containerFor,
  KEEP_ALIVE,
  limitsOf,
  logTail,
  serviceSpec,
  startContainer,
  STEPS_SCENARIO,
  type TestContext,
} from "./context.js";

const STEP_TIMEOUT = "[test_execution] step_timeout";
type Target = (service: string | undefined) => Promise<{ id: string; name: string }>;

export async function runScenarios(ctx: TestContext): Promise<void> {
  const { config } = ctx;
  const reused = ctx.reuse?.get(STEPS_SCENARIO);
  if (config.steps.length > 0 && reused) ctx.scenarios.push(reused);
  else if (config.steps.length > 0) {
    const t0 = Date.now();
    const target: Target = (s) => containerFor(ctx, s);
    const lines = ctx.hooks.stdoutLines?.(STEPS_SCENARIO);
    const results = await runSteps(ctx, config.steps, target, STEPS_SCENARIO, ctx.span, lines);
    ctx.scenarios.push({
      name: STEPS_SCENARIO,
      status: results.some((r) => r.status === "failed") ? "failed" : "passed",
      durationMs: Date.now() - t0,
      steps: results,
    });
    await ctx.hooks.afterScenario?.(STEPS_SCENARIO, joinOutput(results));
  }
  for (const sc of config.scenarios) {
    abortCheck(ctx.signal);
    const cached = ctx.reuse?.get(sc.name);
    if (cached) {
      ctx.scenarios.push(cached);
      continue;
    }
    ctx.hooks.onProgress?.(`scenario ${sc.name}`);
    const result = await runScenario(ctx, sc);
    ctx.scenarios.push(result);
    await ctx.hooks.afterScenario?.(sc.name, joinOutput(result.steps));
  }
  abortCheck(ctx.signal);
}

async function runScenario(ctx: TestContext, sc: ScenarioConfig) {
  const t0 = Date.now();
  const svc = sc.service ? ctx.config.services.find((s) => s.id === sc.service) : undefined;
  const img = await ctx.image(svc?.image ?? ctx.project.defaultImage);
  const span = ctx.span.child(`clnrm.step:${sc.name}`, {
    "step.name": sc.name,
    "step.kind": "scenario",
    "container.image": img,
  });
  const injected = ctx.hooks.scenarioEnv?.(sc.name, sc.service, span.traceparent()) ?? {};
  const spec = svc
    ? serviceSpec(ctx, svc, img, injected, sc.env)
    : {
        image: img,
        env: { ...ctx.baseEnv, ...injected, ...sc.env },
        ...limitsOf(ctx.config.limits),
      };
  const aliases = [sc.service ?? "scenario"];
  const name = `scenario:${sc.name}`;
  const steps: StepResult[] = [];
  const lines = ctx.hooks.stdoutLines?.(sc.name);
  if (sc.steps.length === 0) {
    const cmd = sc.argv ?? svc?.args;
    const c = await startContainer(ctx, name, { ...spec, cmd }, aliases);
    span.addEvent("container.start", { "container.id": c.id, "container.image": img });
    span.addEvent("container.exec", { command: (cmd ?? []).join(" ") });
    const timeout: TimeoutInfo = {
      what: `scenario "${sc.name}"`,
      ms: sc.timeoutMs ?? ctx.project.stepTimeoutMs,
      source: sc.timeoutMs !== undefined ? "timeout_ms" : STEP_TIMEOUT,
    };
    const w = await ctx.backend.wait(c.id, timeout.ms, ctx.signal);
    c.exited = true;
    span.addEvent("container.stop", { "container.id": c.id, exit_code: w.exitCode });
    const logs = await ctx.backend.logs(c.id, { onStdoutLine: lines });
    const r = {
      exitCode: w.exitCode,
      ...logs,
      durationMs: w.durationMs,
      timedOut: w.timedOut,
      oomKilled: w.oomKilled,
      memoryLimitBytes: w.memoryLimitBytes,
    };
    const failure = checkOutput(`scenario[${sc.name}]`, sc, r, timeout);
    steps.push({
      name: sc.name,
      kind: "scenario",
      service: sc.service,
      containerId: c.id,
      image: img,
      argv: cmd ?? [],
      ...r,
      status: failure ? "failed" : "passed",
      failure,
    });
  } else {
    const { id } = await startContainer(ctx, name, { ...spec, cmd: KEEP_ALIVE }, aliases);
    span.addEvent("container.start", { "container.id": id, "container.image": img });
    const all: StepConfig[] = sc.argv
      ? [
          {
            name: sc.name,
            command: sc.argv,
            env: {},
            expectedExitCode: sc.expectedExitCode,
            expectedOutputRegex: sc.expectedOutputRegex,
            continueOnFailure: false,
            index: -1,
            timeoutMs: sc.timeoutMs,
          },
          ...sc.steps,
        ]
      : [...sc.steps];
    const bound = sc.timeoutMs
      ? { at: Date.now() + sc.timeoutMs, source: `scenario "${sc.name}" timeout_ms` }
      : undefined;
    const target: Target = async (s) => (s ? containerFor(ctx, s) : { id, name });
    steps.push(...(await runSteps(ctx, all, target, `scenario[${sc.name}]`, span, lines, bound)));
    span.addEvent("container.stop", { "container.id": id });
  }
  const failed = steps.some((s) => s.status === "failed");
  const firstFailure = steps.find((s) => s.failure)?.failure;
  span.setAttributes({ "step.result": failed ? "fail" : "pass" });
  span.end(firstFailure ? `${firstFailure.rule}: ${firstFailure.message}` : undefined);
  return {
    name: sc.name,
    status: failed ? ("failed" as const) : ("passed" as const),
    durationMs: Date.now() - t0,
    steps,
  };
}

async function runSteps(
  ctx: TestContext,
  steps: readonly StepConfig[],
  target: Target,
  prefix: string,
  parentSpan: TraceSpan,
  lines: ((line: string) => void) | undefined,
  bound?: { readonly at: number; readonly source: string },
): Promise<StepResult[]> {
  const out: StepResult[] = [];
  let stop = false;
  for (const step of steps) {
    if (stop || ctx.signal.aborted) {
      out.push({
        name: step.name,
        kind: "step",
        service: step.service,
        argv: step.command,
        stdout: "",
        stderr: "",
        durationMs: 0,
        status: "skipped",
        timedOut: false,
      });
      continue;
    }
    const c = await target(step.service);
    const timeout = stepTimeout(ctx, step, bound);
    const stepSpan =
      prefix === STEPS_SCENARIO
        ? parentSpan.child(`clnrm.step:${step.name}`, {
            "step.name": step.name,
            "step.index": step.index,
          })
        : parentSpan;
    const execSpan = stepSpan.child("clnrm.container.exec", {
      "container.id": c.id,
      command: step.command.join(" "),
    });
    const r = await ctx.backend
      .exec(c.id, step.command, {
        env: step.env,
        workdir: step.workdir,
        timeoutMs: timeout.ms,
        signal: ctx.signal,
        onStdoutLine: lines,
      })
      .catch(async (e: unknown) => {
        throw await containerGone(ctx, c, step.name, e);
      });
    const failure = checkOutput(`${prefix}.step[${step.name}]`, step, r, timeout);
    execSpan.setAttributes({ exit_code: r.exitCode });
    execSpan.end(r.timedOut ? "timed out" : undefined);
    stepSpan.addEvent("container.exec", {
      command: step.command.join(" "),
      exit_code: r.exitCode,
    });
    if (stepSpan !== parentSpan)
      stepSpan.end(failure ? `${failure.rule}: ${failure.message}` : undefined);
    out.push({
      name: step.name,
      kind: "step",
      service: step.service ?? c.name,
      containerId: c.id,
      argv: step.command,
      ...r,
      status: failure ? "failed" : "passed",
      failure,
    });
    if (failure && !step.continueOnFailure) stop = true;
  }
  return out;
}

/** A step's bound: its `timeout_ms` or the project's step_timeout, cut by its scenario's. */
function stepTimeout(
  ctx: TestContext,
  step: StepConfig,
  bound?: { readonly at: number; readonly source: string },
): TimeoutInfo {
  const what = `step "${step.name}"`;
  const own: TimeoutInfo =
    step.timeoutMs !== undefined
      ? { what, ms: step.timeoutMs, source: "timeout_ms" }
      : { what, ms: ctx.project.stepTimeoutMs, source: STEP_TIMEOUT };
  if (!bound) return own;
  const left = Math.max(1, bound.at - Date.now());
  return left < own.ms ? { what, ms: left, source: bound.source } : own;
}

/** A step could not be exec'd: say which container, whether it exited (and how), its last logs. */
async function containerGone(
  ctx: TestContext,
  c: { id: string; name: string },
  step: string,
  cause: unknown,
): Promise<CleanroomError> {
  const state = await ctx.backend.state(c.id).catch(() => undefined);
  const tail = await logTail(ctx.backend, c.id);
  const what =
    state && !state.running
      ? `is not running (it exited with code ${state.exitCode})`
      : `could not run the command (${(cause as Error).message})`;
  return new CleanroomError(
    "Service",
    `step "${step}": the container of "${c.name}" ${what}\n  last log lines:\n    ${tail}`,
    {
      context: { containerId: c.id, service: c.name },
      hint:
        state && !state.running
          ? "a service used by steps must keep running: give it long-running args, " +
            "or leave args out (clnrm then keeps it alive)"
          : undefined,
      cause,
    },
  );
}

function joinOutput(steps: readonly StepResult[]): { stdout: string; stderr: string } {
  return {
    stdout: steps.map((s) => s.stdout).join("\n"),
    stderr: steps.map((s) => s.stderr).join("\n"),
  };
}
