/** Checks a step's output against its expectations: exit code, regexes, substring. */
import { userRegex } from "../core/regex.js";
import type { Finding } from "../core/result.js";
import type { ExecResult } from "./backend.js";

export interface OutputExpectations {
  readonly expectedExitCode: number;
  readonly expectedOutputRegex?: string;
  readonly expectedOutputRegexNot?: string;
  readonly expectedOutputContains?: string;
}

/** Which bound a run had, for the finding when it fires: its value and the setting it came from. */
export interface TimeoutInfo {
  /** e.g. `scenario "x"` */
  readonly what: string;
  readonly ms: number;
  /** e.g. `timeout_ms`, `[test_execution] step_timeout` */
  readonly source: string;
}

/**
 * The first unmet expectation, or undefined. Regexes run on RE2 (core/regex.ts, linear time,
 * Rust `regex` syntax) against the trimmed stdout, across lines: `.` matches a newline and
 * `^`/`$` match at line boundaries (as if `(?ms)`; `\A`/`\z` anchor the whole output, `(?-s)`
 * and `(?-m)` turn either off). Upstream's regex demo relies on both.
 */
export function checkOutput(
  rulePrefix: string,
  exp: OutputExpectations,
  r: ExecResult,
  timeout?: TimeoutInfo,
): Finding | undefined {
  if (r.timedOut)
    return {
      rule: `${rulePrefix}.timeout`,
      message:
        `${timeout?.what ?? "the command"} timed out after ${timeout?.ms} ms ` +
        `(${timeout?.source ?? "timeout"}); killed after ${r.durationMs} ms`,
      expected: `finish within ${timeout?.ms} ms`,
      actual: `still running after ${r.durationMs} ms`,
    };
  if (r.oomKilled && r.exitCode !== exp.expectedExitCode) {
    const limit = r.memoryLimitBytes
      ? `, limit ${+(r.memoryLimitBytes / 1048576).toFixed(1)} MiB`
      : "";
    return {
      rule: `${rulePrefix}.oom_killed`,
      message:
        `killed: out of memory${limit} (exit code ${r.exitCode}); raise [limits] ` +
        `memory_mb or use less memory`,
      expected: `exit code ${exp.expectedExitCode}`,
      actual: `killed by the kernel's OOM killer${limit}`,
    };
  }
  if (r.exitCode !== exp.expectedExitCode)
    return {
      rule: `${rulePrefix}.exit_code`,
      message:
        `exit code ${r.exitCode}, expected ${exp.expectedExitCode}` +
        (r.stderr.trim() ? `; stderr: ${r.stderr.trim().slice(-300)}` : ""),
      expected: String(exp.expectedExitCode),
      actual: String(r.exitCode),
    };
  const out = r.stdout.trim();
  if (exp.expectedOutputRegex !== undefined && !outputRegex(exp.expectedOutputRegex).test(out))
    return {
      rule: `${rulePrefix}.expected_output_regex`,
      message: `stdout does not match /${exp.expectedOutputRegex}/`,
      expected: `/${exp.expectedOutputRegex}/`,
      actual: clip(out),
    };
  if (exp.expectedOutputRegexNot !== undefined && outputRegex(exp.expectedOutputRegexNot).test(out))
    return {
      rule: `${rulePrefix}.expected_output_regex_not`,
      message: `stdout matches /${exp.expectedOutputRegexNot}/, which it must not`,
      expected: `no match for /${exp.expectedOutputRegexNot}/`,
      actual: clip(out),
    };
  // What was not kept was not searched: absence is proved only over the whole output.
  if (exp.expectedOutputRegexNot !== undefined && (r.stdoutDropped ?? 0) > 0)
    return {
      rule: `${rulePrefix}.expected_output_regex_not`,
      message:
        `stdout was cut (${r.stdoutDropped} bytes past the kept part were not kept), so the ` +
        `absence of /${exp.expectedOutputRegexNot}/ cannot be proved; print less`,
      expected: `no match for /${exp.expectedOutputRegexNot}/ in all of stdout`,
      actual: `${r.stdoutDropped} bytes of stdout not searched`,
    };
  if (exp.expectedOutputContains !== undefined && !out.includes(exp.expectedOutputContains))
    return {
      rule: `${rulePrefix}.expected_output_contains`,
      message: `stdout does not contain ${JSON.stringify(exp.expectedOutputContains)}`,
      expected: exp.expectedOutputContains,
      actual: clip(out),
    };
  return undefined;
}

const clip = (s: string): string => (s.length > 500 ? `${s.slice(0, 500)}…` : s);

const outputRegex = (pattern: string) => userRegex(pattern, { dotAll: true, multiLine: true });
