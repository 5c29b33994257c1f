/**
 * plugins: the service plugins this build runs, with the keys a service takes.
 * health: is this machine ready to run tests (engine, local images, receiver port, disk; on
 * Podman beside Docker, whether internal networks carry traffic)?
 * Upstream's versions print fixed lists and ticks; these look.
 */
import fs from "node:fs";
import net from "node:net";
import type { Command } from "commander";
import { ENDPOINT_PLUGINS, GENERIC_PLUGIN_ALIASES } from "../../config/build-service.js";
import { loadProjectConfig, resolveImage } from "../../config/project.js";
import type { Shape } from "../../config/schema.js";
import { TEST_FILE_SCHEMA } from "../../config/test-schema.js";
import { EXIT } from "../../core/errors.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { checkPodmanBridge } from "../../engine/docker/podman-bridge.js";
import { reportError, type GlobalOptions } from "../shared.js";

/** The keys of `[service.<id>]`, read from the schema the loader checks with. */
function serviceKeys(): string[] {
  const root = TEST_FILE_SCHEMA as Extract<Shape, { t: "table" }>;
  const svc = root.fields.service as Extract<Shape, { t: "map" }>;
  return Object.keys((svc.of as Extract<Shape, { t: "table" }>).fields);
}

const MIN_FREE_BYTES = 1024 ** 3;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function portBindable(): Promise<Check> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (e) =>
      resolve({ name: "receiver port", ok: false, detail: (e as Error).message }),
    );
    server.listen(0, "0.0.0.0", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() =>
        resolve({ name: "receiver port", ok: true, detail: `an OTLP port binds (${port})` }),
      );
    });
  });
}

export async function healthChecks(configFile?: string): Promise<Check[]> {
  const checks: Check[] = [];
  const project = loadProjectConfig({ configFile });
  const backend = new DockerBackend();
  let engineUp = false;
  try {
    checks.push({
      name: "engine",
      ok: true,
      detail: `${backend.endpoint}: ${await backend.ping()}`,
    });
    engineUp = true;
  } catch (e) {
    checks.push({ name: "engine", ok: false, detail: (e as Error).message });
  }
  if (engineUp && (await backend.flavor.flavor()) === "podman") {
    const bridge = checkPodmanBridge(backend.endpoint);
    if (bridge) checks.push({ name: "podman internal networks", ...bridge });
  }
  const images = new Set([
    resolveImage(project, project.defaultImage).image,
    ...Object.values(project.imageAliases),
  ]);
  for (const image of images) {
    if (!engineUp) break;
    try {
      const id = await backend.ensureImage(image, "never");
      checks.push({ name: `image ${image}`, ok: true, detail: `present (${id.slice(0, 19)})` });
    } catch {
      checks.push({
        name: `image ${image}`,
        ok: false,
        detail: "not present locally (npm run setup builds the local images)",
      });
    }
  }
  checks.push(await portBindable());
  const st = fs.statfsSync(process.cwd());
  const free = st.bavail * st.bsize;
  checks.push({
    name: "disk",
    ok: free >= MIN_FREE_BYTES,
    detail: `${(free / 1024 ** 3).toFixed(1)} GiB free in ${process.cwd()}`,
  });
  return checks;
}

export function registerInspect(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("plugins")
    .description("the service plugins this build runs, with the keys a service takes")
    .option("-f, --format <format>", "human | json", "human")
    .action((opts: { format: string }) => {
      const keys = serviceKeys();
      const plugins = [...GENERIC_PLUGIN_ALIASES].map((name) => ({
        name,
        runs: "generic container of `image`",
        upstream: ENDPOINT_PLUGINS[name]
          ? "an HTTP endpoint upstream: give it an image"
          : undefined,
        exampleImage: ENDPOINT_PLUGINS[name],
      }));
      if (opts.format === "json")
        process.stdout.write(`${JSON.stringify({ plugins, serviceKeys: keys }, null, 2)}\n`);
      else {
        for (const p of plugins)
          process.stdout.write(
            `${p.name.padEnd(18)} ${p.runs}${p.upstream ? ` (${p.upstream})` : ""}\n`,
          );
        process.stdout.write(`service keys: ${keys.join(", ")}\n`);
      }
      exit(EXIT.ok);
    });

  program
    .command("health")
    .description("engine reachable, local images present, receiver port bindable, disk space")
    .action(async () => {
      try {
        const checks = await healthChecks(globals().config);
        for (const c of checks)
          process.stdout.write(`${c.ok ? "✅" : "❌"} ${c.name}: ${c.detail}\n`);
        exit(checks.every((c) => c.ok) ? EXIT.ok : EXIT.infrastructure);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
