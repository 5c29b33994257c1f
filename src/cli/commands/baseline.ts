/** record, repro, redgreen (alias red-green). */
import path from "node:path";
import type { Command } from "commander";
import { EXIT, exitCodeForKind, exitCodeForRun } from "../../core/exit-codes.js";
import { choiceOption } from "../options.js";
import {
  appendHistory,
  compareWithBaseline,
  loadBaseline,
  recordBaseline,
  type TddState,
} from "../../runner/baseline.js";
import { reportError, type GlobalOptions } from "../shared.js";
import { runCommand } from "./run.js";

export function registerBaseline(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("record")
    .description(
      "run tests and record their normalized traces and digests as baselines (.clnrm/baselines)",
    )
    .argument("[paths...]")
    .action(async (paths: string[]) => {
      exit(
        await runCommand(
          paths,
          { map: {}, cache: false, bundle: false },
          globals(),
          (runs, project) => {
            for (const r of runs) {
              if (r.result.error) continue;
              const b = recordBaseline(project.root, r);
              process.stdout.write(
                `recorded ${b.name}: digest ${b.digest} (${r.spans.length} spans, ${b.verdict})\n`,
              );
            }
            return undefined;
          },
        ),
      );
    });

  program
    .command("repro")
    .description("re-run tests and compare their trace digests with the recorded baselines")
    .argument("[paths...]")
    .action(async (paths: string[]) => {
      exit(
        await runCommand(
          paths,
          { map: {}, cache: false, bundle: false },
          globals(),
          (runs, project) => {
            let mismatches = 0;
            for (const r of runs) {
              try {
                const o = compareWithBaseline(loadBaseline(project.root, r.result.name), r);
                if (o.reproduced) {
                  process.stdout.write(`REPRODUCED ${o.name}: digest ${o.digest}\n`);
                  continue;
                }
                mismatches++;
                const changed = o.verdictChanged ? " (verdict changed)" : "";
                process.stdout.write(
                  `MISMATCH ${o.name}: baseline ${o.baselineDigest.slice(0, 16)}…, ` +
                    `now ${o.digest.slice(0, 16)}…${changed}\n`,
                );
                for (const p of o.diff?.added ?? []) process.stdout.write(`  + ${p}\n`);
                for (const p of o.diff?.removed ?? []) process.stdout.write(`  - ${p}\n`);
                for (const c of o.diff?.changed ?? [])
                  process.stdout.write(
                    `  ~ ${c.path}\n${c.changes.map((x) => `      ${x}`).join("\n")}\n`,
                  );
              } catch (e) {
                mismatches++;
                reportError(e, globals().verbose);
              }
            }
            return mismatches ? EXIT.testFailed : EXIT.ok;
          },
        ),
      );
    });

  program
    .command("redgreen")
    .alias("red-green")
    .description(
      "TDD check: with --expect red every test must fail; " +
        "with --expect green every test must pass after having been red",
    )
    .argument("[paths...]")
    .addOption(
      choiceOption(
        "--expect <state>",
        "the state every test must be in",
        ["red", "green"],
        "green",
      ),
    )
    .action(async (paths: string[], opts: { expect: TddState }) => {
      const want = opts.expect;
      exit(
        await runCommand(
          paths,
          { map: {}, cache: false, bundle: false },
          globals(),
          (runs, project) => {
            // A test that could not be judged (bad config, no engine) is not red: it never ran.
            const unjudged = runs.filter(
              (r) =>
                r.result.error &&
                !r.result.notRun &&
                exitCodeForKind(r.result.error.kind) !== EXIT.testFailed,
            );
            for (const r of unjudged)
              process.stdout.write(
                `ERROR ${r.result.name}: ${r.result.error!.kind} error, ` +
                  `not a valid ${want} (the test could not be judged)\n`,
              );
            if (unjudged.length)
              return exitCodeForRun(
                unjudged.map((r) => r.result),
                false,
              );
            const states = runs.map((r) => ({
              file: path.relative(project.root, r.result.file),
              name: r.result.name,
              state: (r.result.verdict === "passed" ? "green" : "red") as TddState,
            }));
            const history = appendHistory(project.root, states);
            let violations = 0;
            for (const s of states) {
              let verdict = "ok";
              if (s.state !== want)
                verdict =
                  want === "red" ? "passes already: write a failing test first" : "still red";
              else if (
                want === "green" &&
                !history.some((h) => h.name === s.name && h.state === "red")
              )
                verdict = "skipped the red phase: it never failed before passing";
              if (verdict !== "ok") violations++;
              process.stdout.write(`${s.state.toUpperCase()} ${s.name}: ${verdict}\n`);
            }
            return violations ? EXIT.testFailed : EXIT.ok;
          },
        ),
      );
    });
}
