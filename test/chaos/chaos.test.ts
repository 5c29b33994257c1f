/**
 * The chaos and hostile-input cases of issue 12 inside `npm test` (scripts/run-tests.mjs runs
 * test/chaos/ after every other file, so a fault never lands on an unrelated test). The cases are
 * scripts/chaos-cases.mjs, shared with `npm run chaos` / `npm run reliability`: each is performed
 * for real (a gzip bomb, a SIGKILLed CLI, an engine that goes away through a killed socket proxy,
 * a full tmpfs for the report, ...) and must hold. About a minute on a quiet 2-core machine.
 * Mutations caught (each applied to the built code, 2026-12-02): Container errors mapped to exit 1
 * instead of 3 ("the engine goes away mid-run": exit 1); no 413 on a declared oversize body
 * ("oversize OTLP body"); gunzip without an output cap ("gzip bomb"); the span store without its
 * cap ("span flood").
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { PROJECT_ROOT, suite } from "../helpers/env.js";

interface ChaosCase {
  readonly name: string;
  readonly command: string;
  readonly docker: boolean;
  run(): Promise<{ held: boolean; observed: string }>;
}

const { cases, cleanup } = (await import(path.join(PROJECT_ROOT, "scripts/chaos-cases.mjs"))) as {
  cases: readonly ChaosCase[];
  cleanup(): void;
};
after(cleanup);

/** What each case's observation must say, beyond `held` (the behaviour, in words). */
const SAYS: Readonly<Record<string, RegExp>> = {
  "gzip bomb": /^HTTP 413 "clnrm: gzip body inflates past the 64 MiB limit/,
  "oversize OTLP body": /^HTTP 413 .*exceeds the 20 MiB limit/,
  "span flood": /finding "span limit reached: kept 100000 spans/,
  ReDoS: /^no match: /,
  "template escapes": /^8\/8 refused as Template errors/,
  "SIGKILL the CLI": /next run: "(swept \d+ container|nothing left to sweep).*exit 0; leaks 0$/,
  "a background service dies": /^exit 1; finding names db with its last log line; .*leaks 0$/,
  "full disk": /^exit 2: "Io error: cannot write .*no space left on device"; files left: none$/,
  "the engine goes away": /^exit 3: ".*(error|Docker engine).*next run swept them: leaks 0$/,
  "stdout flood": /^exit 0; readiness passed, span counted; 2 cut warning\(s\): "logs of service/,
  "40 tests at -j 10": /^exit 0; Test results: 40 passed, 0 failed.*pool errors: none.*leaks 0$/,
};

const check = async (c: ChaosCase): Promise<void> => {
  const r = await c.run();
  process.stdout.write(`${c.name}: ${r.observed}\n`);
  assert.ok(r.held, `did not hold: ${r.observed}`);
  const says = Object.entries(SAYS).find(([k]) => c.name.startsWith(k))?.[1];
  assert.ok(says, `no expectation written for case "${c.name}"`);
  assert.match(r.observed, says);
};

suite("chaos: hostile inputs in process (issue 12)", [], () => {
  for (const c of cases.filter((x) => !x.docker)) it(c.name, () => check(c));
});

suite("chaos: faults with real containers (issue 12)", ["docker"], () => {
  for (const c of cases.filter((x) => x.docker)) it(c.name, { timeout: 300_000 }, () => check(c));
});
