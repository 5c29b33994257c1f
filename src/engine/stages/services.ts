/**
 * Stage 2, start services: long-lived services in `depends_on` order, each gated by its
 * readiness checks. Also which services are long-lived, and the check (before the stop) that
 * none of them exited with a failure while the test ran.
 */
import type { Finding } from "../../core/result.js";
import type { ServiceConfig, TestConfig } from "../../config/types.js";
import { probesFor, waitUntilReady } from "../readiness.js";
import {
  abortCheck,
  KEEP_ALIVE,
  logTail,
  serviceSpec,
  startContainer,
  type TestContext,
} from "./context.js";

export async function startServices(ctx: TestContext): Promise<void> {
  const { config, backend } = ctx;
  for (const svc of startOrder(backgroundServices(config))) {
    abortCheck(ctx.signal);
    ctx.hooks.onProgress?.(`starting service ${svc.id}`);
    const span = ctx.span.child("clnrm.service.start", {
      "service.name": svc.id,
      "service.image": svc.image,
    });
    try {
      const keepAlive = config.format === "legacy" && !svc.args;
      const img = await ctx.image(svc.image);
      const cmd = keepAlive ? KEEP_ALIVE : svc.args;
      const { id } = await startContainer(
        ctx,
        svc.id,
        serviceSpec(ctx, svc, img, {}, {}, cmd),
        [svc.id],
        svc,
      );
      ctx.serviceIds.set(svc.id, id);
      span.addEvent("container.start", { "container.id": id, "container.image": svc.image });
      const { probes, hc } = probesFor(svc, id, backend, ctx.hooks.hasSpan);
      if (probes.length > 0) {
        const deadline = readinessDeadline(ctx, svc);
        await waitUntilReady(svc, id, backend, probes, deadline, hc?.intervalMs ?? 250, ctx.signal);
      }
      span.end();
    } catch (e) {
      span.end((e as Error).message);
      throw e;
    }
  }
}

/** How long a service may take to become ready, and which setting says so. */
function readinessDeadline(ctx: TestContext, svc: ServiceConfig): { ms: number; source: string } {
  const hc = svc.healthCheck;
  if (svc.waitForSpan && !hc)
    return { ms: svc.waitForSpanTimeoutMs, source: `service.${svc.id}.wait_for_span_timeout_secs` };
  if (hc?.timeoutMs !== undefined)
    return { ms: hc.timeoutMs, source: `service.${svc.id}.health_check.timeout_ms` };
  return { ms: ctx.project.startupTimeoutMs, source: "[containers] startup_timeout" };
}

/**
 * Long-lived services that exited on their own with a non-zero code before the stop: each is a
 * finding with its last log lines, unless the service says `allow_exit = true`.
 */
export async function exitedServices(ctx: TestContext): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const c of ctx.started) {
    if (!c.service || c.service.allowExit) continue;
    const state = await ctx.backend.state(c.id).catch(() => undefined);
    if (!state || state.running || state.exitCode === 0) continue;
    const tail = await logTail(ctx.backend, c.id);
    out.push({
      rule: `service.${c.service.id}.exit`,
      message:
        `service "${c.service.id}" (${c.service.image}) exited with code ${state.exitCode} ` +
        `before the test ended\n  last log lines:\n    ${tail}`,
      expected: "running until clnrm stops it (or allow_exit = true)",
      actual: `exited with code ${state.exitCode}`,
      keyPath: `${ctx.config.format === "legacy" ? "services" : "service"}.${c.service.id}`,
    });
  }
  return out;
}

/** Long-lived services: all of them for legacy steps; for v0.7, those no scenario runs itself. */
export function backgroundServices(config: TestConfig): ServiceConfig[] {
  const runBy = new Set(
    config.scenarios.filter((s) => s.argv || s.steps.length).map((s) => s.service),
  );
  return config.format === "legacy"
    ? [...config.services]
    : config.services.filter((s) => !runBy.has(s.id));
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
