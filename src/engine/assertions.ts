/** Checks a step's output against its expectations: exit code, regexes, substring. */
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
 * The first unmet expectation, or undefined. Regexes are JavaScript RegExp without flags,
 * matched against the trimmed stdout (use `(?s)`-free patterns; `[\s\S]` spans lines).
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
  if (exp.expectedOutputRegex !== undefined && !new RegExp(exp.expectedOutputRegex).test(out))
    return {
      rule: `${rulePrefix}.expected_output_regex`,
      message: `stdout does not match /${exp.expectedOutputRegex}/`,
      expected: `/${exp.expectedOutputRegex}/`,
      actual: clip(out),
    };
  if (exp.expectedOutputRegexNot !== undefined && new RegExp(exp.expectedOutputRegexNot).test(out))
    return {
      rule: `${rulePrefix}.expected_output_regex_not`,
      message: `stdout matches /${exp.expectedOutputRegexNot}/, which it must not`,
      expected: `no match for /${exp.expectedOutputRegexNot}/`,
      actual: clip(out),
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
