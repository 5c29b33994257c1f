/**
 * Option value parsers for commander: a bad value is a usage error (exit 2) that names the
 * option, raised while the arguments are parsed, before anything runs.
 */
import { InvalidArgumentError, Option } from "commander";
import { type UserRegex, userRegex } from "../core/regex.js";

/**
 * A whole number ≥ min: `--span-timeout abc` →
 * "error: option '--span-timeout <ms>' argument 'abc' is invalid. …".
 */
export function wholeNumber(min: number, unit = ""): (v: string) => number {
  return (v: string): number => {
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number${unit} ≥ ${min}.`);
    return n;
  };
}

/** A regular expression that compiles with RE2 semantics (linear time, Rust-regex syntax). */
export function regex(v: string): UserRegex {
  try {
    return userRegex(v);
  } catch (e) {
    throw new InvalidArgumentError(`not a valid regular expression: ${(e as Error).message}.`);
  }
}

/** An option whose value must be one of `values`. */
export function choiceOption(
  flags: string,
  description: string,
  values: readonly string[],
  dflt?: string,
): Option {
  const o = new Option(flags, description).choices(values);
  return dflt === undefined ? o : o.default(dflt);
}
