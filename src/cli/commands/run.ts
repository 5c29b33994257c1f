/** `clnrm run` and `clnrm self-test`: wiring only; Ctrl-C stops, cleans up and exits 130. */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import type { RunResult } from "../../core/result.js";
import { discoverTestFiles } from "../../config/discover.js";
import { loadProjectConfig, type ProjectConfig } from "../../config/project.js";
import { TemplateRenderer } from "../../template/render.js";
import { DockerBackend } from "../../engine/docker/docker-backend.js";
import { sweep } from "../../engine/sweeper.js";
import { createSelfTracer, type SelfExporter } from "../../telemetry/self-trace.js";
import { spansToOtlpJson } from "../../telemetry/otlp/encode-json.js";
import { ResultCache } from "../../runner/cache.js";
import { runSuite } from "../../runner/run-suite.js";
import { redactedSpans, type TestRun } from "../../runner/run-test.js";
import { formatSummary, formatTestDetail } from "../../report/console.js";
import { LiveProgress } from "../../report/progress.js";
import { jsonReport } from "../../report/json.js";
import { junitReport } from "../../report/junit.js";
import { htmlReport } from "../../report/html.js";
import { writeFailureBundle } from "../../report/bundle.js";
import { collectMap, reportError, type GlobalOptions } from "../shared.js";
import { EXIT, exitCodeForRun } from "../exit-codes.js";
import { choiceOption, wholeNumber } from "../options.js";
import { writeSelfTest } from "./self-test.js";
import { CLNRM_VERSION } from "../../core/version.js";

export interface RunOptions {
  jobs?: number;
  failFast?: boolean;
  hermetic?: boolean;
  map: Record<string, string>;
  reportJson?: string;
  reportJunit?: string;
  reportHtml?: string;
  digest?: string;
  spanTimeout?: number;
  otelExporter?: string;
  otelEndpoint?: string;
  force?: boolean;
  cache?: boolean;
  bundle?: boolean;
  secret?: string[];
}

const collectList = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerRun(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("run")
    .description("run tests in fresh container environments and validate their spans")
    .argument("[paths...]", "test files or directories (default: .)")
    .option(
      "-j, --jobs <n>",
      "tests run at once (default: CPU count or [cli] jobs)",
      wholeNumber(1),
    )
    .option("--fail-fast", "stop starting new tests after the first failure")
    .option("--hermetic", "put every test on an internal network (no egress)")
    .option("-m, --map <key=value>", "template variable (repeatable)", collectMap, {})
    .option("--report-json <file>", "write the JSON report")
    .option("--report-junit <file>", "write a JUnit XML report")
    .option("--report-html <file>", "write a self-contained HTML report")
    .option("--digest <file>", "write the trace digests (one line per test)")
    .option("--force", "ignore the cache: run every test")
    .option("--no-cache", "neither read nor write the cache")
    .option("--no-bundle", "do not write failure bundles")
    .option(
      "--secret <NAME>",
      "redact the value of this environment variable everywhere (repeatable)",
      collectList,
      [],
    )
    .option(
      "--span-timeout <ms>",
      "longest wait for spans after the last scenario",
      wholeNumber(1, " of milliseconds"),
      10000,
    )
    .addOption(
      choiceOption(
        "--otel-exporter <kind>",
        "where clnrm's own spans go",
        ["none", "stdout", "otlp-http", "otlp-grpc"],
        "none",
      ),
    )
    .option("--otel-endpoint <url>", "endpoint for --otel-exporter otlp-http / otlp-grpc")
    .action(async (paths: string[], opts: RunOptions) =>
      exit(await runCommand(paths, opts, globals())),
    );

  program
    .command("self-test")
    .description(
      "run clnrm's own scenarios in a container and validate its own spans (needs Docker)",
    )
    .option("--node-image <image>", "image with node to run clnrm in", "clnrm/node:20")
    .option("--busybox-image <image>", "image the inner scenarios use", "clnrm/busybox:local")
    .option("--report-json <file>", "write the JSON report")
    .action(async (opts: { nodeImage: string; busyboxImage: string; reportJson?: string }) => {
      const { outer } = writeSelfTest(opts.nodeImage, opts.busyboxImage);
      exit(
        await runCommand(
          [outer],
          { map: {}, reportJson: opts.reportJson, spanTimeout: 15000, cache: false },
          globals(),
        ),
      );
    });
}

/** Called after a run with every test's spans; may print more and decide the exit code (record/repro/redgreen). */
export type PostRun = (runs: readonly TestRun[], project: ProjectConfig) => number | undefined;

export async function runCommand(
  paths: string[],
  opts: RunOptions,
  g: GlobalOptions,
  postRun?: PostRun,
): Promise<number> {
  const started = Date.now();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) {
      // A second Ctrl-C: stop waiting for a graceful end, remove this run's resources now.
      process.stderr.write(`\n${sig} again: removing this run's containers and exiting\n`);
      void sweep(backend, runId).finally(() => process.exit(EXIT.interrupted));
      return;
    }
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping, removing containers…\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const backend = new DockerBackend();
  try {
    const project = loadProjectConfig({ configFile: g.config });
    for (const w of project.warnings)
      process.stderr.write(`warning: ${project.file}: ${w.keyPath}: ${w.message}\n`);
    const files = discoverTestFiles(paths);
    const jobs = opts.jobs ?? project.jobs;
    const exporter = (opts.otelExporter ?? "none") as SelfExporter;
    await backend.ping();
    const swept = await sweep(backend);
    if (swept.containers || swept.networks)
      process.stderr.write(
        `swept ${swept.containers} container(s) and ${swept.networks} network(s) left by runs that died\n`,
      );
    const tracer = await createSelfTracer(exporter, opts.otelEndpoint);
    const runSpan = tracer.root("clnrm.run", {
      "clnrm.version": CLNRM_VERSION,
      "test.count": files.length,
      component: "runner",
      "run.id": runId,
    });
    const cache = opts.cache === false ? undefined : new ResultCache(project.cacheDir);
    const progress = new LiveProgress();
    const runs = await runSuite(files, {
      backend,
      project,
      runId,
      renderer: new TemplateRenderer(),
      jobs,
      failFast: opts.failFast ?? project.failFast,
      signal: controller.signal,
      map: opts.map,
      hermetic: opts.hermetic,
      runSpan,
      secrets: new Set(opts.secret ?? []),
      spanTimeoutMs: opts.spanTimeout ?? 10000,
      cache,
      force: opts.force === true,
      onStart: (file) => progress.start(file, path.relative(process.cwd(), file) || file),
      onProgress: (file, m) => progress.update(file, m),
      onDone: (r) => progress.done(r.result.file),
    });
    progress.stop();
    const tests = runs.map((r) => r.result);
    const run: RunResult = {
      runId,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      tests,
      interrupted,
    };
    const allPassed = tests.every((t) => t.verdict === "passed");
    runSpan.setAttributes({
      result: allPassed ? "pass" : "fail",
      "tests.passed": tests.filter((t) => t.verdict === "passed").length,
      "tests.failed": tests.filter((t) => t.verdict === "failed").length,
    });
    runSpan.end(
      allPassed
        ? undefined
        : `${tests.filter((t) => t.verdict === "failed").length} test(s) failed`,
    );
    await tracer
      .shutdown()
      .catch((e: Error) =>
        process.stderr.write(`warning: exporting clnrm's own spans failed: ${e.message}\n`),
      );
    for (const t of tests) process.stdout.write(`${formatTestDetail(t, (g.verbose ?? 0) > 0)}\n`);
    writeReports(run, runs, {
      json: opts.reportJson,
      junit: opts.reportJunit,
      html: opts.reportHtml,
      digest: opts.digest,
    });
    writeFileReports(run, runs, project.reportDir);
    if (opts.bundle !== false) {
      for (const r of runs.filter(
        (x) => x.result.verdict === "failed" && !x.result.error?.message.startsWith("not run"),
      )) {
        let dir: string;
        try {
          dir = writeFailureBundle(path.join(project.reportDir, "failures"), runId, {
            result: r.result,
            rendered: r.config ? (r.redact?.text(r.config.source) ?? r.config.source) : undefined,
            spansOtlp: spansToOtlpJson(redactedSpans(r)),
          });
        } catch (e) {
          process.stderr.write(
            `warning: cannot write the failure bundle under ${project.reportDir}: ${(e as Error).message}\n`,
          );
          continue;
        }
        process.stdout.write(`  failure bundle: ${path.relative(process.cwd(), dir) || dir}\n`);
      }
    }
    if (cache) {
      try {
        cache.save();
      } catch (e) {
        process.stderr.write(
          `warning: cannot write the cache in ${project.cacheDir}: ${(e as Error).message}\n`,
        );
      }
      if (cache.hits > 0)
        process.stdout.write(
          `cache: ${cache.hitRate()} unchanged since they passed (use --force to run them)\n`,
        );
    }
    process.stdout.write(`${formatSummary(run)}\n`);
    const decided = interrupted ? undefined : postRun?.(runs, project);
    if (decided !== undefined) return decided;
    if (interrupted) await sweep(backend, runId).catch(() => undefined);
    return exitCodeForRun(tests, interrupted);
  } catch (e) {
    await sweep(backend, runId).catch(() => undefined);
    return interrupted ? EXIT.interrupted : reportError(e, g.verbose);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Where each report goes (the shape of both `--report-*` options and a test's [report] table). */
interface ReportTargets {
  readonly json?: string;
  readonly junit?: string;
  readonly html?: string;
  readonly digest?: string;
}

function writeReports(run: RunResult, runs: readonly TestRun[], to: ReportTargets): void {
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
  };
  if (to.json) write(to.json, `${JSON.stringify(jsonReport(run), null, 2)}\n`);
  if (to.junit) write(to.junit, junitReport(run));
  if (to.html) write(to.html, htmlReport(run, runs.map(redactedSpans)));
  if (to.digest)
    write(to.digest, run.tests.map((t) => `${t.telemetry?.digest ?? "-"}  ${t.name}\n`).join(""));
}

/** `[report] json/junit/html/digest` in a test file: that test's reports, relative to the project's report dir. */
function writeFileReports(run: RunResult, runs: readonly TestRun[], reportDir: string): void {
  for (const r of runs) {
    const rep = r.config?.report;
    if (!rep || (!rep.json && !rep.junit && !rep.html && !rep.digest)) continue;
    const at = (f: string | undefined): string | undefined => f && path.resolve(reportDir, f);
    writeReports({ ...run, tests: [r.result] }, [r], {
      json: at(rep.json),
      junit: at(rep.junit),
      html: at(rep.html),
      digest: at(rep.digest),
    });
  }
}
