/**
 * The one exit-code policy of every clnrm command (documented in the README's exit-code table):
 * 0 pass · 1 a test failed · 2 usage, configuration or template error · 3 infrastructure or
 * internal error (the test could not be judged) · 130 interrupted.
 */
import { CleanroomError, EXIT, type ErrorKind } from "./errors.js";
import type { TestResult } from "./result.js";

export { EXIT };

/** Each error kind, mapped once. */
const BY_KIND: Readonly<Record<ErrorKind, number>> = {
  // The input is wrong: the user fixes the test file, the options or a path.
  Configuration: EXIT.usage,
  Template: EXIT.usage,
  Serialization: EXIT.usage,
  Io: EXIT.usage,
  // The software under test did not do what the test demands: a failed test.
  Validation: EXIT.testFailed,
  Service: EXIT.testFailed, // a service that crashed or never became ready
  Timeout: EXIT.testFailed, // a scenario, step or readiness deadline the software missed
  // clnrm could not judge the test: engine, images, networks, or a bug in clnrm itself.
  Container: EXIT.infrastructure,
  Network: EXIT.infrastructure,
  Internal: EXIT.infrastructure,
};

export function exitCodeForKind(kind: string): number {
  return (BY_KIND as Record<string, number>)[kind] ?? EXIT.infrastructure;
}

/** Anything thrown: a CleanroomError by its kind, anything else is an internal error. */
export function exitCodeForError(e: unknown): number {
  return e instanceof CleanroomError ? exitCodeForKind(e.kind) : EXIT.infrastructure;
}

/**
 * A whole run: interrupted wins, then the most actionable error (usage before infrastructure),
 * then failed tests. Tests that were never started (fail-fast, Ctrl-C) do not count.
 */
export function exitCodeForRun(tests: readonly TestResult[], interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  const codes = tests.map((t) =>
    t.error && !t.notRun
      ? exitCodeForKind(t.error.kind)
      : t.verdict === "passed"
        ? EXIT.ok
        : EXIT.testFailed,
  );
  for (const c of [EXIT.usage, EXIT.infrastructure, EXIT.testFailed])
    if (codes.includes(c)) return c;
  return EXIT.ok;
}
