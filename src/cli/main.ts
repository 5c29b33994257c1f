#!/usr/bin/env node
/**
 * clnrm command line: parses arguments and wires the pipeline stages; no logic of its own.
 * Commands are listed from a table (commands/index.ts) and their module is imported only when
 * one of them runs: `--version` and `--help` load commander and this file, nothing else.
 */
import { Command, CommanderError, Help } from "commander";
import { installStdioRedaction, registerSecrets, secretValues } from "../core/redact.js";
import { CleanroomError } from "../core/errors.js";
import { EXIT, exitCodeForError } from "../core/exit-codes.js";
import { VERSION } from "../core/version.js";
import { COMMAND_GROUPS, groupFor, type CommandGroup } from "./commands/index.js";
import type { GlobalOptions } from "./shared.js";

// Secrets by value (issue 12): whatever clnrm prints passes through the redaction registry.
installStdioRedaction();
registerSecrets(secretValues(process.env));

// `clnrm run | head` closes stdout early: keep running (and cleaning up), just stop printing.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });

const TERMS = new Map(COMMAND_GROUPS.flatMap((g) => g.commands.map((c) => [c.name, c.term])));

interface Outcome {
  exitCode?: number;
  /** A command of a group that was not loaded ran: load it and parse again. */
  rerun?: CommandGroup;
}

/** The program with `loaded`'s commands registered for real and every other one as a stub. */
async function build(loaded: CommandGroup | undefined, out: Outcome): Promise<Command> {
  const program = new Command();
  program
    .name("clnrm")
    .description(
      "Cleanroom Testing Framework: hermetic container tests proven by OpenTelemetry spans",
    )
    .version(VERSION)
    .option("-c, --config <file>", "project configuration (default: ./cleanroom.toml)")
    .option(
      "-v, --verbose",
      "more detail; stack traces for errors",
      (_v: string, prev: number) => prev + 1,
      0,
    )
    .configureHelp({
      subcommandTerm: (cmd) => TERMS.get(cmd.name()) ?? new Help().subcommandTerm(cmd),
    })
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const exit = (code: number): void => {
    out.exitCode = code;
  };
  for (const group of COMMAND_GROUPS) {
    if (group === loaded) {
      (await group.load())(program, globals, exit);
      continue;
    }
    for (const c of group.commands) {
      const stub = program.command(c.name).description(c.summary);
      if (c.alias) stub.alias(c.alias);
      stub
        .helpOption(false)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          out.rerun = group;
        });
    }
  }
  return program;
}

let out: Outcome = {};
let group = groupFor(process.argv.slice(2));
for (let attempt = 0; attempt < 2; attempt++) {
  out = {};
  try {
    await (await build(group, out)).parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) out.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    else {
      // The one exit-code policy: a CleanroomError by its kind, anything else is internal (3).
      const text =
        e instanceof CleanroomError ? e.format() : `Internal error: ${(e as Error).message}`;
      process.stderr.write(`${text}\n`);
      out.exitCode = exitCodeForError(e);
    }
  }
  if (!out.rerun) break;
  group = out.rerun;
}
process.exitCode = out.exitCode ?? EXIT.ok;
