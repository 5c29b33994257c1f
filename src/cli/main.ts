#!/usr/bin/env node
/** clnrm command line: parses arguments and wires the pipeline stages; no logic of its own. */
import { Command, CommanderError } from "commander";
import { EXIT } from "./exit-codes.js";
import { registerAuthoring } from "./commands/authoring.js";
import { registerRun } from "./commands/run.js";
import { registerTrace } from "./commands/trace.js";
import { registerMaintenance } from "./commands/maintenance.js";
import { registerScaffold } from "./commands/scaffold.js";
import { registerDev } from "./commands/dev.js";
import { registerBaseline } from "./commands/baseline.js";
import { reportError, type GlobalOptions } from "./shared.js";
import { CLNRM_VERSION } from "../core/version.js";

// `clnrm run | head` closes stdout early: keep running (and cleaning up), just stop printing.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });

const program = new Command();
program
  .name("clnrm")
  .description(
    "Cleanroom Testing Framework: hermetic container tests proven by OpenTelemetry spans",
  )
  .version(CLNRM_VERSION)
  .option("-c, --config <file>", "project configuration (default: ./cleanroom.toml)")
  .option(
    "-v, --verbose",
    "more detail; stack traces for errors",
    (_v: string, prev: number) => prev + 1,
    0,
  )
  .exitOverride();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();
let exitCode: number | undefined;
const exit = (code: number): void => {
  exitCode = code;
};
registerAuthoring(program, globals, exit);
registerRun(program, globals, exit);
registerTrace(program, globals, exit);
registerMaintenance(program, globals, exit);
registerScaffold(program, globals, exit);
registerDev(program, globals, exit);
registerBaseline(program, globals, exit);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else {
    exitCode = reportError(e, program.opts<GlobalOptions>().verbose);
  }
}
process.exitCode = exitCode ?? EXIT.ok;
