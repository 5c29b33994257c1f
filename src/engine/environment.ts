/**
 * Runs one test file in a fresh environment, stage by stage: prepare (images, network and
 * receiver side by side), start services, run scenarios, stop and flush (graceful stop, then the
 * trace is settled and judged), collect and tear down. Everything created is removed on success,
 * failure, timeout or abort, and every container's logs are kept.
 */
import { asCleanroomError, type CleanroomError } from "../core/errors.js";
import type { ContainerLog, Finding, ScenarioResult } from "../core/result.js";
import type { TestConfig } from "../config/types.js";
import type { NetworkInfo } from "./backend.js";
import { createContext, type EngineHooks, type EngineOptions } from "./stages/context.js";
import { prepare } from "./stages/prepare.js";
import { startServices } from "./stages/services.js";
import { runScenarios } from "./stages/scenarios.js";
import { stopAndSettle, teardown } from "./stages/finish.js";

export type { EngineHooks, EngineOptions } from "./stages/context.js";
export { STEPS_SCENARIO } from "./stages/context.js";
export { backgroundServices, startOrder } from "./stages/services.js";

export interface EngineOutcome {
  readonly scenarios: ScenarioResult[];
  readonly containers: ContainerLog[];
  /** What the engine itself found: a long-lived service that exited with a failure. */
  readonly findings: Finding[];
  readonly error?: CleanroomError;
  readonly imageAliases: string[];
  readonly network?: NetworkInfo;
}

export async function executeTest(
  config: TestConfig,
  opts: EngineOptions,
  hooks: EngineHooks = {},
): Promise<EngineOutcome> {
  const ctx = createContext(config, opts, hooks);
  let error: CleanroomError | undefined;
  let containers: ContainerLog[] = [];
  try {
    await prepare(ctx);
    await startServices(ctx);
    await runScenarios(ctx);
    await stopAndSettle(ctx);
  } catch (e) {
    error = asCleanroomError(e, "Internal");
  } finally {
    ctx.clearDeadline();
    containers = await teardown(ctx);
  }
  return {
    scenarios: ctx.scenarios,
    containers,
    findings: ctx.findings,
    error,
    imageAliases: ctx.imageAliases,
    network: ctx.network,
  };
}
