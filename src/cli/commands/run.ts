/**
 * `clnrm run` and `clnrm self-test`: parse the options, call the programmatic API
 * (api/run-suite.ts) and print. Ctrl-C stops, cleans up and exits 130.
 */
import path from "node:path";
import type { Command } from "commander";
import fs from "node:fs";
import { EXIT } from "../../core/errors.js";
import { registerSecrets } from "../../core/redact.js";
import { RECEIVER_MODES, type ProjectConfig, type ReceiverMode } from "../../config/project.js";
import type { TestRun } from "../../runner/run-test.js";
import { formatSummary, formatTestDetail } from "../../report/console.js";
import { LiveProgress } from "../../report/progress.js";
import { newRunId, runSuite, sweepRun, type SelfExporter } from "../../api/run-suite.js";
import { collectMap, reportError, type GlobalOptions } from "../shared.js";
import { choiceOption, wholeNumber } from "../options.js";
import { writeSelfTest } from "./self-test.js";

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
  shard?: string;
  receiver?: ReceiverMode;
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
    .option("--shard <i/n>", "run only shard i of n (deterministic split; see README)")
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
    .addOption(
      choiceOption(
        "--receiver <mode>",
        "where the OTLP receiver runs: host, sidecar (a container on each test's network) " +
          "or auto (default: [otel] receiver, else auto)",
        RECEIVER_MODES,
      ),
    )
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
      const { dir, outer } = writeSelfTest(opts.nodeImage, opts.busyboxImage);
      try {
        exit(
          await runCommand(
            [outer],
            { map: {}, reportJson: opts.reportJson, spanTimeout: 15000, cache: false },
            globals(),
          ),
        );
      } finally {
        // the generated test files are clnrm's, not the user's: nothing is left in the temp dir
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}

/**
 * Called after a run with every test's spans; may print more and decide the exit code
 * (record/repro/redgreen).
 */
export type PostRun = (runs: readonly TestRun[], project: ProjectConfig) => number | undefined;

export async function runCommand(
  paths: string[],
  opts: RunOptions,
  g: GlobalOptions,
  postRun?: PostRun,
): Promise<number> {
  const runId = newRunId();
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: stop waiting for a graceful end, remove this run's resources now.
      process.stderr.write(`\n${sig} again: removing this run's containers and exiting\n`);
      void sweepRun(runId).finally(() => process.exit(EXIT.interrupted));
      return;
    }
    process.stderr.write(`\n${sig}: stopping, removing containers…\n`);
    controller.abort();
  };
  // A crash must not leak containers either: clean up like Ctrl-C, then exit 3 (issue 12).
  const onCrash = (e: unknown): void => {
    process.stderr.write(
      `Internal error: ${e instanceof Error ? e.message : String(e)}; removing this run's ` +
        `containers\n`,
    );
    controller.abort();
    void sweepRun(runId)
      .catch(() => undefined)
      .finally(() => process.exit(EXIT.infrastructure));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  // Fault injection for the tests and scripts/chaos.mjs: once this file exists, an exception
  // nobody catches is thrown on the event loop.
  const faultFile = process.env.CLNRM_FAULT_UNCAUGHT_FILE;
  if (faultFile) {
    const poll = setInterval(() => {
      if (!fs.existsSync(faultFile)) return;
      clearInterval(poll);
      throw new Error("injected fault (CLNRM_FAULT_UNCAUGHT_FILE)");
    }, 100);
    poll.unref();
  }
  // --secret NAME: the values are redacted everywhere from now on
  registerSecrets((opts.secret ?? []).flatMap((n) => (process.env[n] ? [process.env[n]] : [])));
  const progress = new LiveProgress();
  try {
    const jobs = opts.jobs;
    const r = await runSuite({
      paths,
      configFile: g.config,
      jobs,
      failFast: opts.failFast,
      hermetic: opts.hermetic,
      map: opts.map,
      reports: {
        json: opts.reportJson,
        junit: opts.reportJunit,
        html: opts.reportHtml,
        digest: opts.digest,
      },
      cache: opts.cache !== false,
      force: opts.force === true,
      bundles: opts.bundle !== false,
      secrets: opts.secret,
      spanTimeoutMs: opts.spanTimeout ?? 10000,
      selfTelemetry: {
        exporter: (opts.otelExporter ?? "none") as SelfExporter,
        endpoint: opts.otelEndpoint,
      },
      signal: controller.signal,
      runId,
      shard: opts.shard,
      onShard: (header) => process.stdout.write(`${header}\n`),
      receiver: opts.receiver,
      // Host is what runs always did: said with -v; a sidecar is said in the header.
      onReceiver: (c) => {
        if (c.mode === "sidecar" || (g.verbose ?? 0) > 0)
          process.stdout.write(`receiver: ${c.mode} (${c.reason})\n`);
      },
      onTestStart: (file) => progress.start(file, path.relative(process.cwd(), file) || file),
      onProgress: (file, m) => progress.update(file, m),
      onTestDone: (t) => progress.done(t.result.file),
      onWarning: (m) => process.stderr.write(m.startsWith("swept ") ? `${m}\n` : `warning: ${m}\n`),
    });
    progress.stop();
    for (const t of r.run.tests)
      process.stdout.write(`${formatTestDetail(t, (g.verbose ?? 0) > 0)}\n`);
    for (const dir of r.bundles) process.stdout.write(`  failure bundle: ${dir}\n`);
    if (r.cache && r.cache.hits > 0)
      process.stdout.write(
        `cache: ${r.cache.hitRate} unchanged since they passed (use --force to run them)\n`,
      );
    process.stdout.write(`${formatSummary(r.run)}\n`);
    const decided = r.run.interrupted ? undefined : postRun?.(r.tests, r.project);
    return decided ?? r.exitCode;
  } catch (e) {
    progress.stop();
    return controller.signal.aborted ? EXIT.interrupted : reportError(e, g.verbose);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
}
