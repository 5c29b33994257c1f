/** Helpers shared by the CLI commands: error printing, exit codes, option parsing. */
import { InvalidArgumentError } from "commander";
import { asCleanroomError } from "../core/errors.js";
import { exitCodeForError } from "../core/exit-codes.js";

export interface GlobalOptions {
  readonly config?: string;
  readonly verbose?: number;
}

/** Parses repeated `--map key=value` options. */
export function collectMap(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}".`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Prints a user error without a stack trace (with one under -v) and returns its exit code. */
export function reportError(e: unknown, verbose = 0): number {
  const err = asCleanroomError(e, "Internal");
  process.stderr.write(`${err.format()}\n`);
  if (verbose > 0 && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitCodeForError(err);
}
