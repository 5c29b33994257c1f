/**
 * `clnrm report …`: commands over JSON reports. A group, so that more subcommands (e.g.
 * rendering one report as HTML) can join `merge` without changing its shape.
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { CleanroomError, EXIT } from "../../core/errors.js";
import { formatSummary, formatTestDetail } from "../../report/console.js";
import { htmlReport } from "../../report/html.js";
import { junitReport } from "../../report/junit.js";
import { markdownReport, runFromJson } from "../../report/from-json.js";
import { mergeReports, runFromReport, type MergeInput } from "../../report/merge.js";
import { loadProjectConfig } from "../../config/project.js";
import { saveDurations } from "../../runner/shard.js";
import { reportError, type GlobalOptions } from "../shared.js";
import { REPORT_SUMMARY } from "./index.js";

interface MergeOptions {
  reportJson?: string;
  reportJunit?: string;
  reportHtml?: string;
  digest?: string;
  saveDurations?: boolean;
}

export function registerReport(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): Command {
  const group = program
    .command("report")
    .description(REPORT_SUMMARY)
    .option("-i, --input <file>", "the JSON report to render")
    .option("-f, --format <format>", "html | junit | markdown", "html")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action((opts: RenderOptions) => exit(renderCommand(opts, globals())));
  group
    .command("merge")
    .description(
      "merge the JSON reports of the shards of a run (--shard i/n) into one report; " +
        "exit 1 when a test failed or a shard is missing or duplicated",
    )
    .argument("<reports...>", "JSON reports written by clnrm run --report-json")
    .option("--report-json <file>", "write the merged JSON report")
    .option("--report-junit <file>", "write the merged JUnit XML report")
    .option("--report-html <file>", "write the merged HTML report (without span waterfalls)")
    .option("--digest <file>", "write the trace digests (one line per test)")
    .option(
      "--save-durations",
      "record the shards' test durations in the project's cache dir (balances the next split)",
    )
    .action((files: string[], opts: MergeOptions) => exit(mergeCommand(files, opts, globals())));
  return group;
}

interface RenderOptions {
  input?: string;
  format: string;
  output?: string;
}

/** One saved JSON report rendered with the run's own reporters (no spans: no waterfall). */
function renderCommand(opts: RenderOptions, g: GlobalOptions): number {
  try {
    if (!opts.input)
      throw new CleanroomError("Configuration", "report needs -i FILE (or: report merge FILES…)");
    const render = {
      html: (r: ReturnType<typeof runFromJson>) =>
        htmlReport(
          r,
          r.tests.map(() => []),
        ),
      junit: junitReport,
      markdown: markdownReport,
    }[opts.format];
    if (!render)
      throw new CleanroomError(
        "Configuration",
        `--format must be html, junit or markdown, got ${opts.format}`,
      );
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(opts.input, "utf8"));
    } catch (e) {
      throw new CleanroomError(
        "Serialization",
        `cannot read ${opts.input}: ${(e as Error).message}`,
        { context: { file: opts.input } },
      );
    }
    const out = render(runFromJson(doc, opts.input));
    if (opts.output) fs.writeFileSync(opts.output, out);
    else process.stdout.write(out);
    return EXIT.ok;
  } catch (e) {
    return reportError(e, g.verbose);
  }
}

function readReport(file: string): MergeInput {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CleanroomError("Io", `cannot read ${file}: ${(e as Error).message}`, {
      context: { file },
    });
  }
  try {
    return { file, doc: JSON.parse(text) };
  } catch (e) {
    throw new CleanroomError("Serialization", `not JSON: ${(e as Error).message}`, {
      context: { file },
      hint: "pass files written by clnrm run --report-json",
    });
  }
}

function mergeCommand(files: readonly string[], opts: MergeOptions, g: GlobalOptions): number {
  try {
    const merged = mergeReports(files.map(readReport));
    const run = runFromReport(merged.report);
    const write = (file: string | undefined, text: () => string): void => {
      if (!file) return;
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      fs.writeFileSync(file, text());
    };
    write(opts.reportJson, () => `${JSON.stringify(merged.report, null, 2)}\n`);
    write(opts.reportJunit, () => junitReport(run));
    write(opts.reportHtml, () =>
      htmlReport(
        run,
        run.tests.map(() => []),
      ),
    );
    write(opts.digest, () =>
      run.tests.map((t) => `${t.telemetry?.digest ?? "-"}  ${t.name}\n`).join(""),
    );
    if (opts.saveDurations) {
      const { cacheDir } = loadProjectConfig({ configFile: g.config });
      saveDurations(cacheDir, merged.durations);
      const where = path.join(cacheDir, "durations.json");
      process.stdout.write(`recorded ${merged.durations.size} test duration(s) in ${where}\n`);
    }
    for (const t of run.tests)
      process.stdout.write(`${formatTestDetail(t, (g.verbose ?? 0) > 0)}\n`);
    for (const p of merged.problems) process.stderr.write(`merge problem: ${p}\n`);
    process.stdout.write(`${formatSummary(run)} (merged from ${files.length} report(s))\n`);
    return merged.problems.length || merged.failed ? EXIT.testFailed : EXIT.ok;
  } catch (e) {
    return reportError(e, g.verbose);
  }
}
