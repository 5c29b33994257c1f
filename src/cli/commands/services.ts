/**
 * services status | logs: the containers of running or leftover clnrm runs, found by their
 * labels (upstream's versions build an empty registry each time and always say "none").
 */
import type { Command } from "commander";
import { CleanroomError, EXIT } from "../../core/errors.js";
import { LABEL_PID, LABEL_RUN_ID, LABEL_TEST } from "../../engine/backend.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { isSweepable } from "../../engine/sweeper.js";
import { reportError, type GlobalOptions } from "../shared.js";

export function registerServices(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  const services = program
    .command("services")
    .description("containers of running or leftover clnrm runs: status, logs");

  services
    .command("status")
    .description("every clnrm-managed container, by run id (live or leftover)")
    .option("--run-id <id>", "only this run")
    .action(async (opts: { runId?: string }) => {
      try {
        const backend = new DockerBackend();
        await backend.ping();
        const { containers } = await backend.listManaged();
        const mine = containers.filter((c) => !opts.runId || c.labels[LABEL_RUN_ID] === opts.runId);
        if (mine.length === 0) process.stdout.write("no clnrm containers\n");
        const runs = new Map<string, typeof mine>();
        for (const c of mine) {
          const id = c.labels[LABEL_RUN_ID] ?? "?";
          runs.set(id, [...(runs.get(id) ?? []), c]);
        }
        for (const [runId, list] of runs) {
          const leftover = isSweepable(list[0]!);
          const state = leftover
            ? "leftover: its process is gone; clnrm sweep removes it"
            : `live, pid ${list[0]!.labels[LABEL_PID]}`;
          process.stdout.write(`run ${runId} (${state})\n`);
          for (const c of list)
            process.stdout.write(
              `  ${c.name ?? c.id.slice(0, 12)}  ${c.state ?? "?"}  ${c.image ?? ""}  ` +
                `test ${c.labels[LABEL_TEST] ?? "?"}\n`,
            );
        }
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  services
    .command("logs")
    .description("the logs of a clnrm-managed container (by name or id prefix)")
    .argument("<container>")
    .option("-n, --lines <n>", "last N lines", "50")
    .action(async (which: string, opts: { lines: string }) => {
      try {
        const backend = new DockerBackend();
        await backend.ping();
        const { containers } = await backend.listManaged();
        const found = containers.filter((c) => c.name === which || c.id.startsWith(which));
        if (found.length !== 1)
          throw new CleanroomError(
            "Configuration",
            found.length === 0
              ? `no clnrm-managed container named "${which}"`
              : `"${which}" matches ${found.length} containers; give more of the id`,
            { hint: "clnrm services status lists them" },
          );
        const { stdout, stderr } = await backend.logs(found[0]!.id);
        const tail = (s: string): string =>
          s
            .split("\n")
            .slice(-(Number(opts.lines) + 1))
            .join("\n");
        process.stdout.write(tail(stdout));
        process.stderr.write(tail(stderr));
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
