/** sweep: remove labelled leftovers of runs whose process is gone (or all with --all). */
import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { sweep } from "../../engine/sweeper.js";
import { reportError, type GlobalOptions } from "../shared.js";

export function registerMaintenance(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("sweep")
    .description("remove containers and networks left by clnrm runs that died")
    .option("--run-id <id>", "remove everything of this run id")
    .action(async (opts: { runId?: string }) => {
      try {
        const backend = new DockerBackend();
        await backend.ping();
        const r = await sweep(backend, opts.runId);
        process.stdout.write(`removed ${r.containers} container(s) and ${r.networks} network(s)\n`);
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
