/**
 * Every regular expression a user writes (step output checks, log readiness waits, span-name
 * filters, template `matching` tests) runs on RE2 semantics through `re2js`: linear time in the
 * input whatever the pattern (no catastrophic backtracking on the event loop), and the syntax of
 * upstream's Rust `regex` crate — `(?i)`, `(?s)`, `(?m)`, `(?P<name>…)`, no look-around and no
 * back-references. An invalid pattern is a Configuration error naming what is wrong.
 */
import { createRequire } from "node:module";
import type { RE2JS as RE2JSClass } from "re2js";
import { CleanroomError } from "./errors.js";

// Loaded on the first pattern (re2js' CommonJS build, synchronously): 20-90 ms of start-up that
// most runs never need (issue 11). Hand-written because no option of re2js defers its loading.
let re2: typeof RE2JSClass | undefined;
function RE2(): typeof RE2JSClass {
  re2 ??= (createRequire(import.meta.url)("re2js") as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2;
}

export interface UserRegexOptions {
  /** `.` matches `\n` (as if the pattern started with `(?s)`). */
  readonly dotAll?: boolean;
  /** `^`/`$` match at line starts/ends (as if `(?m)`). */
  readonly multiLine?: boolean;
  /** Where the pattern came from (key path), for the error message. */
  readonly keyPath?: string;
}

export interface UserRegex {
  readonly source: string;
  /** True when the pattern matches anywhere in the input. */
  test(input: string): boolean;
  /** The number of non-overlapping matches in the input. */
  count(input: string): number;
}

/** Compiles a user pattern with RE2 semantics; throws a Configuration error when invalid. */
export function userRegex(pattern: string, options: UserRegexOptions = {}): UserRegex {
  const RE2JS = RE2();
  let re: RE2JSClass;
  try {
    re = RE2JS.compile(
      pattern,
      (options.dotAll ? RE2JS.DOTALL : 0) | (options.multiLine ? RE2JS.MULTILINE : 0),
    );
  } catch (e) {
    throw new CleanroomError(
      "Configuration",
      `invalid regular expression /${pattern}/: ${why(e)}`,
      {
        context: { keyPath: options.keyPath },
        hint:
          "patterns use RE2 / Rust regex syntax: (?i) (?s) (?m) (?P<name>…) work; " +
          "look-around and back-references do not",
        cause: e,
      },
    );
  }
  return {
    source: pattern,
    test: (input) => re.test(input),
    count: (input) => {
      const m = re.matcher(input);
      let n = 0;
      while (m.find()) {
        n++;
        // an empty match must not count forever at the same place
        if (m.end() === m.start() && m.end() >= input.length) break;
      }
      return n;
    },
  };
}

/** The validation half of userRegex: the error message, or undefined when the pattern is fine. */
export function regexProblem(pattern: string): string | undefined {
  try {
    RE2().compile(pattern);
    return undefined;
  } catch (e) {
    return `invalid regular expression /${pattern}/: ${why(e)}`;
  }
}

function why(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^error parsing regexp: /, "");
}
