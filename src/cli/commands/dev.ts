/** `clnrm dev --watch`: re-render, re-validate and re-run what changed, on every save. */
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { discoverTestFiles } from "../../config/discover.js";
import { loadProjectConfig } from "../../config/project.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { sweep } from "../../engine/sweeper.js";
import { DevLoop, type DevEvent } from "../../runner/dev-loop.js";
import { formatTestDetail } from "../../report/console.js";
import { collectMap, reportError, type GlobalOptions } from "../shared.js";
import { wholeNumber } from "../options.js";

export function registerDev(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("dev")
    .description("watch test files; on save re-render, re-validate and re-run only what changed")
    .argument("[paths...]", "files or directories to watch (default: .)")
    .option("-w, --watch", "watch for changes (the default for dev)")
    .option(
      "--debounce-ms <ms>",
      "quiet time after the last save before acting",
      wholeNumber(0, " of milliseconds"),
      100,
    )
    .option("-m, --map <key=value>", "template variable (repeatable)", collectMap, {})
    .action(async (paths: string[], opts: { debounceMs: number; map: Record<string, string> }) => {
      const controller = new AbortController();
      const backend = new DockerBackend();
      const runId = `dev${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
      let loop: DevLoop | undefined;
      const stop = async (): Promise<void> => {
        controller.abort();
        await loop?.close().catch(() => undefined);
        await sweep(backend, runId).catch(() => undefined);
        // The command itself returned long ago; the loop kept the process alive.
        process.exitCode = EXIT.interrupted;
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
      try {
        const debounce = opts.debounceMs;
        const project = loadProjectConfig({ configFile: globals().config });
        const files = discoverTestFiles(paths);
        await backend.ping();
        const tty = process.stdout.isTTY === true;
        const print = (e: DevEvent): void => {
          if (tty) process.stdout.write("\x1b[2J\x1b[H");
          if (e.kind === "invalid")
            process.stdout.write(`INVALID ${e.file}\n${e.error.format()}\n`);
          else {
            const how = e.mode === "run" ? "ran" : "re-evaluated the collected spans";
            process.stdout.write(`${formatTestDetail(e.result)}\n  (${how} in ${e.latencyMs}ms)\n`);
          }
          const watched = paths.length ? paths.join(", ") : ".";
          process.stdout.write(`watching ${watched} — save a file to re-run, Ctrl-C to stop\n`);
        };
        loop = new DevLoop(
          { backend, project, runId, map: opts.map, signal: controller.signal },
          print,
          debounce,
        );
        await loop.start(files, paths.length ? paths : ["."]);
      } catch (e) {
        await loop?.close().catch(() => undefined);
        exit(reportError(e, globals().verbose));
      }
    });
}
