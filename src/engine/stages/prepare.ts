/**
 * Stage 1, prepare: the images the test needs and its network (with the telemetry receiver on
 * the network's gateway), side by side. The receiver needs the gateway address, so it starts
 * right after the network, while the images are still being inspected or pulled.
 */
import { randomBytes } from "node:crypto";
import { abortCheck, type TestContext } from "./context.js";

export async function prepare(ctx: TestContext): Promise<void> {
  const { config, project } = ctx;
  const registry = ctx.span.child("clnrm.plugin.registry", {
    component: "plugin.registry",
    "plugin.count": config.services.length,
  });
  const needsDefault =
    config.steps.some((s) => !s.service) ||
    config.scenarios.some((s) => !s.service && (s.argv || s.steps.length));
  const refs = new Set(config.services.map((s) => s.image));
  if (needsDefault) refs.add(project.defaultImage);
  const images = Promise.all([...refs].map((r) => ctx.image(r))).finally(() => registry.end());
  const network = (async () => {
    const name = `clnrm-${ctx.runId}-${slug(config.name)}-${randomBytes(3).toString("hex")}`;
    ctx.network = await ctx.backend.createNetwork(name, ctx.hermetic, ctx.labels);
    const injected = (await ctx.hooks.attach?.(ctx.network, ctx.labels)) ?? {};
    ctx.baseEnv = { ...injected, ...ctx.baseEnv };
  })();
  // Both finish before an error is raised, so that whatever one created is known to the teardown.
  const settled = await Promise.allSettled([images, network]);
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  abortCheck(ctx.signal);
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 30) || "test"
  );
}
