/**
 * Stages 4-6: stop and flush, collect, tear down. Services that failed on their own are noted
 * first; then every container still running is stopped gracefully (its stop signal, SIGKILL
 * after its grace), dependants before what they depend on, so that SDKs flush their spans at
 * shutdown into a receiver that is still listening. Only then is the trace settled and judged
 * (hooks.settle); logs are collected and everything is removed after that, on every path.
 */
import type { ContainerLog } from "../../core/result.js";
import type { ServiceConfig } from "../../config/types.js";
import type { Started, TestContext } from "./context.js";
import { exitedServices } from "./services.js";

export async function stopAndSettle(ctx: TestContext): Promise<void> {
  ctx.clearDeadline();
  ctx.findings.push(...(await exitedServices(ctx)));
  ctx.hooks.onProgress?.("stopping containers");
  await stopAll(ctx);
  await ctx.hooks.settle?.({ stoppedAt: Date.now(), network: ctx.network });
}

/** Graceful stop of every container not known to have exited; services after their dependants. */
export async function stopAll(ctx: TestContext): Promise<void> {
  const running = ctx.started.filter((c) => !c.exited);
  const stopping = new Map<string, Promise<void>>();
  const stop = (c: Started): Promise<void> =>
    ctx.backend
      .stop(c.id, c.service?.stopTimeoutMs ?? ctx.project.stopTimeoutMs)
      .catch(() => undefined)
      .then(() => {
        c.exited = true;
      });
  const services = running.filter((c) => c.service);
  const dependants = (svc: ServiceConfig): Started[] =>
    services.filter((c) => c.service!.dependsOn.includes(svc.id));
  const stopService = (c: Started): Promise<void> => {
    let p = stopping.get(c.id);
    if (!p) {
      p = Promise.all(dependants(c.service!).map(stopService)).then(() => stop(c));
      stopping.set(c.id, p);
    }
    return p;
  };
  await Promise.all([...running.filter((c) => !c.service).map(stop), ...services.map(stopService)]);
}

/** Keeps every container's logs and removes containers, then the network; never throws. */
export async function teardown(ctx: TestContext): Promise<ContainerLog[]> {
  const { backend } = ctx;
  const [containers] = await Promise.all([
    Promise.all(
      ctx.started.map(async (c): Promise<ContainerLog> => {
        const logs = await backend.logs(c.id).catch(() => ({ stdout: "", stderr: "" }));
        await backend.remove(c.id).catch(() => undefined);
        return { name: c.name, containerId: c.id, image: c.image, ...logs };
      }),
    ),
    ctx.hooks.detach?.().catch(() => undefined),
  ]);
  if (ctx.network) await backend.removeNetwork(ctx.network.id).catch(() => undefined);
  return containers;
}
