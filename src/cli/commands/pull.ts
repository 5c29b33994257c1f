/**
 * pull: the images the given tests use (services and the default image, after aliasing),
 * present locally or pulled, `-j` at a time. collector: upstream starts an OpenTelemetry
 * Collector container; clnrm has its own receiver, and no Collector image can be had here.
 */
import type { Command } from "commander";
import { discoverTestFiles } from "../../config/discover.js";
import { loadTestFile, testVariants } from "../../config/load.js";
import { loadProjectConfig, resolveImage } from "../../config/project.js";
import { CleanroomError, EXIT } from "../../core/errors.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { mapPool } from "../../runner/map-pool.js";
import { TemplateRenderer } from "../../template/render.js";
import { reportError, type GlobalOptions } from "../shared.js";

const COLLECTOR_IMAGE = "otel/opentelemetry-collector:latest";

export function registerPull(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("pull")
    .description("make the images of the given tests present (after aliasing), -j at a time")
    .argument("[paths...]")
    .option("-j, --jobs <n>", "pulls at a time", "4")
    .action(async (paths: string[], opts: { jobs: string }) => {
      try {
        const project = loadProjectConfig({ configFile: globals().config });
        const renderer = new TemplateRenderer();
        const refs = new Set<string>([project.defaultImage]);
        for (const f of discoverTestFiles(paths))
          for (const matrix of testVariants(f))
            for (const s of (await loadTestFile(f, { renderer, matrix })).config.services)
              refs.add(s.image);
        const images = [...new Set([...refs].map((r) => resolveImage(project, r).image))].sort();
        const backend = new DockerBackend();
        await backend.ping();
        let failed = 0;
        const jobs = Math.max(1, Number(opts.jobs) || 4);
        await mapPool(images, jobs, async (image) => {
          process.stdout.write(`pulling ${image}…\n`);
          try {
            const id = await backend.ensureImage(image, project.pullPolicy);
            process.stdout.write(`✅ ${image} (${id.slice(0, 19)})\n`);
          } catch (e) {
            failed++;
            process.stdout.write(`❌ ${image}: ${(e as Error).message}\n`);
          }
        });
        exit(failed ? EXIT.infrastructure : EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  program
    .command("collector")
    .description("an OpenTelemetry Collector container (only if its image is present locally)")
    .argument("<action>", "up | down | status | logs")
    .action(async (action: string) => {
      try {
        if (!["up", "down", "status", "logs"].includes(action))
          throw new CleanroomError("Configuration", `unknown collector action "${action}"`, {
            hint: "one of: up, down, status, logs",
          });
        const backend = new DockerBackend();
        await backend.ping();
        await backend.ensureImage(COLLECTOR_IMAGE, "never").catch(() => {
          throw new CleanroomError(
            "Container",
            `no OpenTelemetry Collector image is present locally (${COLLECTOR_IMAGE}) and none ` +
              "can be pulled here; clnrm does not need one: every run has its own OTLP receiver",
            { hint: "load the image (docker load) to use `clnrm collector`" },
          );
        });
        throw new CleanroomError(
          "Configuration",
          `collector ${action}: the Collector image is present, but clnrm does not manage it yet`,
          { hint: "run it with docker directly; point --otel-endpoint at it" },
        );
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
