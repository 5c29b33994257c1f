/**
 * The programmatic API under `clnrm run`: run a suite of test files, write its reports and
 * failure bundles, keep the change-aware cache, and decide the exit code. The CLI parses
 * arguments and prints; everything else is here, callable from a script or a test.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CleanroomError } from "../core/errors.js";
import type { RunResult, TestResult } from "../core/result.js";
import { noopTracer, type Tracer } from "../core/tracing.js";
import { VERSION } from "../core/version.js";
import { exitCodeForRun } from "../core/exit-codes.js";
import { discoverTestFiles } from "../config/discover.js";
import { loadProjectConfig, type ProjectConfig, type ReceiverMode } from "../config/project.js";
import { chooseReceiver, type ReceiverChoice } from "../engine/receiver-mode.js";
import { TemplateRenderer } from "../template/render.js";
import type { Backend } from "../engine/backend.js";
import { NetworkPool } from "../engine/network-pool.js";
import { sweep } from "../engine/sweeper.js";
import type { TestRun } from "../runner/run-test.js";
import {
  measuredDurations,
  saveDurations,
  shardFiles,
  shardHeader,
  shardInfo,
} from "../runner/shard.js";
import type { ReportTargets } from "./reports.js";

export type SelfExporter = "none" | "stdout" | "otlp-http" | "otlp-grpc";
export type { ReceiverChoice, ReceiverMode };

export interface RunSuiteOptions {
  /**
   * Test files or directories (directories are searched for `*.clnrm.toml[.tera]`); default `.`.
   */
  readonly paths?: readonly string[];
  /** Directory that relative paths and `cleanroom.toml` are found from; default `process.cwd()`. */
  readonly cwd?: string;
  /** Project configuration file; default `<cwd>/cleanroom.toml` when it exists. */
  readonly configFile?: string;
  /** Tests run at once; default `[cli] jobs` or the CPU count. */
  readonly jobs?: number;
  readonly failFast?: boolean;
  /** Every test on an internal network (no egress). */
  readonly hermetic?: boolean;
  /** Template variables (`--map key=value`). */
  readonly map?: Readonly<Record<string, string>>;
  /** Reports for the whole run. */
  readonly reports?: ReportTargets;
  /** Read and write the change-aware cache; default true. */
  readonly cache?: boolean;
  /** Run every test even when the cache says it is unchanged; default false. */
  readonly force?: boolean;
  /** Write a failure bundle per failed test under `<report_dir>/failures/`; default true. */
  readonly bundles?: boolean;
  /** Names of environment variables whose values are redacted everywhere. */
  readonly secrets?: readonly string[];
  /** Longest wait for spans after the last scenario (ms); default 10000. */
  readonly spanTimeoutMs?: number;
  /** Where clnrm's own spans go; default none. */
  readonly selfTelemetry?: { readonly exporter: SelfExporter; readonly endpoint?: string };
  /** Aborting stops starting tests, stops running ones and removes everything created. */
  readonly signal?: AbortSignal;
  /** The container engine; default the Docker engine of `DOCKER_HOST`. */
  readonly backend?: Backend;
  /** Labels every resource of this run; default a fresh id. */
  readonly runId?: string;
  /**
   * `i/n`: run only part i of n of the discovered tests (deterministic split, balanced by the
   * durations unsharded runs record; see runner/shard.ts). A bad value is a Configuration error.
   */
  readonly shard?: string;
  /** Called once before any test starts with the shard header line (sharded runs only). */
  readonly onShard?: (header: string) => void;
  /**
   * Where the OTLP receiver runs: `host`, `sidecar` (a container on each test's network, read
   * through the engine API) or `auto`; default `[otel] receiver` of cleanroom.toml (auto).
   */
  readonly receiver?: ReceiverMode;
  /** Called once before any test starts with the receiver mode chosen and why. */
  readonly onReceiver?: (choice: ReceiverChoice) => void;
  /** Reuse a few pre-created networks across tests instead of one new network per test. */
  readonly networkPool?: boolean;
  readonly onTestStart?: (file: string) => void;
  readonly onProgress?: (file: string, message: string) => void;
  readonly onTestDone?: (run: TestRun) => void;
  /** Things worth telling a user that do not fail the run (config warnings, swept leftovers). */
  readonly onWarning?: (message: string) => void;
}

export interface SuiteResult {
  readonly run: RunResult;
  /** Each test's result with the spans it collected, in input order. */
  readonly tests: readonly TestRun[];
  readonly project: ProjectConfig;
  readonly passed: boolean;
  /**
   * 0 all passed, 1 a test failed, 2 configuration/template error, 3 infrastructure, 130
   * interrupted.
   */
  readonly exitCode: number;
  /** Failure bundle directories written. */
  readonly bundles: readonly string[];
  readonly cache?: { readonly hits: number; readonly hitRate: string };
}

/** A run id: base-36 time plus random bytes (labels every container and network of a run). */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** The exit code of a finished run. */
export function suiteExitCode(tests: readonly TestResult[], interrupted: boolean): number {
  return exitCodeForRun(tests, interrupted); // the one policy (core/exit-codes.ts)
}

/** Removes every container and network labelled with `runId` (e.g. on a second Ctrl-C). */
export async function sweepRun(runId: string, backend?: Backend): Promise<void> {
  await sweep(backend ?? (await dockerBackend()), runId);
}

/**
 * What runs and reports the tests (the engine, telemetry, validation, cache, reports): imported
 * once the engine answered, while the first networks are being created (issue 11), not before.
 */
function machinery() {
  return Promise.all([
    import("../runner/run-suite.js"),
    import("../runner/cache.js"),
    import("./reports.js"),
  ]).then(([files, cache, reports]) => ({ ...files, ...cache, ...reports }));
}

/**
 * The network kind (true: internal) each of the first `jobs` tests will ask for, guessed from
 * its text so that the pool creates the right ones ahead: `no_external_services = true` (and
 * `--hermetic`) makes a test's network internal. Only a guess for the warm-up (a template may
 * compute the value): a wrong one costs one extra network, and each test still gets the kind its
 * loaded config asks for. Warming by `--hermetic` alone created an open network that no
 * hermetic test could use, then removed it after the run: ~250 ms more for `clnrm init`'s test.
 */
export function warmKinds(files: readonly string[], jobs: number, hermetic: boolean): boolean[] {
  return files.slice(0, jobs).map((file) => {
    if (hermetic) return true;
    try {
      return /^[^#\n]*\bno_external_services\s*=\s*true\b/m.test(fs.readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  });
}

async function dockerBackend(): Promise<Backend> {
  return new (await import("../engine/docker/docker-backend.js")).DockerBackend();
}

function checkExporter(o: RunSuiteOptions["selfTelemetry"]): void {
  const exporter = o?.exporter ?? "none";
  if (!["none", "stdout", "otlp-http", "otlp-grpc"].includes(exporter))
    throw new CleanroomError(
      "Configuration",
      `--otel-exporter must be none, stdout, otlp-http or otlp-grpc, got ${exporter}`,
    );
}

async function selfTracer(o: RunSuiteOptions["selfTelemetry"]): Promise<Tracer> {
  const exporter = o?.exporter ?? "none";
  // Without an exporter clnrm's own spans go nowhere: the OpenTelemetry SDK is not even loaded.
  if (exporter === "none") return noopTracer;
  return (await import("../telemetry/self-trace.js")).createSelfTracer(exporter, o?.endpoint);
}

/**
 * Runs the suite. Throws a CleanroomError when the run cannot start (bad project config, no test
 * files, no container engine); a test that fails to load or run is a failed test in the result.
 */
export async function runSuite(o: RunSuiteOptions = {}): Promise<SuiteResult> {
  const started = Date.now();
  const runId = o.runId ?? newRunId();
  const signal = o.signal ?? new AbortController().signal;
  const warn = o.onWarning ?? (() => undefined);
  const cwd = o.cwd ?? process.cwd();
  const project = loadProjectConfig({ configFile: o.configFile, cwd });
  for (const w of project.warnings) warn(`${project.file}: ${w.keyPath}: ${w.message}`);
  const sharded = shardFiles(discoverTestFiles(o.paths ?? [], cwd), o.shard, {
    root: project.root,
    cacheDir: project.cacheDir,
    useDurations: o.cache !== false,
  });
  const files = sharded.files;
  const jobs = o.jobs ?? project.jobs;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new CleanroomError("Configuration", `--jobs must be a whole number ≥ 1, got ${o.jobs}`);
  checkExporter(o.selfTelemetry);
  const receiver = chooseReceiver(o.receiver ?? project.receiver, {
    dockerHost: process.env.DOCKER_HOST,
    platform: process.platform,
  });
  const base = o.backend ?? (await dockerBackend());
  const pool = o.networkPool === false ? undefined : new NetworkPool(base, runId);
  const backend = pool ?? base;
  try {
    // Ping, sweep, the first networks and the tracer at once (ping's error is the one reported);
    // the networks are still being created while the first tests load.
    const pinged = base.ping();
    const kinds = warmKinds(files, jobs, o.hermetic === true);
    pool?.warm(kinds.filter((internal) => internal).length, true);
    pool?.warm(kinds.filter((internal) => !internal).length, false);
    const sweeping = sweep(base);
    sweeping.catch(() => undefined);
    await pinged;
    const [swept, tracer, m] = await Promise.all([
      sweeping,
      selfTracer(o.selfTelemetry),
      machinery(),
    ]);
    if (swept.containers || swept.networks)
      warn(
        `swept ${swept.containers} container(s) and ${swept.networks} network(s) ` +
          "left by runs that died",
      );
    const runSpan = tracer.root("clnrm.run", {
      "clnrm.version": VERSION,
      "test.count": files.length,
      component: "runner",
      "run.id": runId,
    });
    const cache = o.cache === false ? undefined : new m.ResultCache(project.cacheDir);
    if (sharded.plan) o.onShard?.(shardHeader(sharded.plan));
    o.onReceiver?.(receiver);
    const runs = await m.runSuite(files, {
      backend,
      project,
      runId,
      renderer: new TemplateRenderer(),
      jobs,
      failFast: o.failFast ?? project.failFast,
      signal,
      map: o.map,
      hermetic: o.hermetic,
      receiver: receiver.mode,
      runSpan,
      secrets: new Set(o.secrets ?? []),
      spanTimeoutMs: o.spanTimeoutMs ?? 10000,
      cache,
      force: o.force === true,
      onStart: (file, last) => {
        // Once the last test has started, a network given back is removed at once (while
        // that test still waits for its spans), not at the end of the run.
        if (last) pool?.drain();
        o.onTestStart?.(file);
      },
      onProgress: o.onProgress,
      onDone: o.onTestDone,
    });
    await pool?.close();
    const tests = runs.map((r) => r.result);
    const interrupted = signal.aborted;
    const run: RunResult = {
      runId,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      tests,
      interrupted,
      shard: shardInfo(sharded.plan),
    };
    const failed = tests.filter((t) => t.verdict === "failed").length;
    runSpan.setAttributes({
      result: failed === 0 && tests.every((t) => t.verdict === "passed") ? "pass" : "fail",
      "tests.passed": tests.filter((t) => t.verdict === "passed").length,
      "tests.failed": failed,
    });
    runSpan.end(failed ? `${failed} test(s) failed` : undefined);
    await tracer
      .shutdown()
      .catch((e: Error) => warn(`exporting clnrm's own spans failed: ${e.message}`));
    m.writeReports(run, runs, o.reports ?? {});
    m.writeFileReports(run, runs, project.reportDir);
    const bundles = o.bundles === false ? [] : m.writeBundles(runs, project.reportDir, runId, warn);
    if (cache) {
      try {
        cache.save();
        // Shards only read the durations, so that every shard of a run splits alike.
        if (!sharded.plan) saveDurations(project.cacheDir, measuredDurations(project.root, tests));
      } catch (e) {
        warn(`cannot write the cache in ${project.cacheDir}: ${(e as Error).message}`);
      }
    }
    if (interrupted) await sweep(base, runId).catch(() => undefined);
    return {
      run,
      tests: runs,
      project,
      passed: tests.every((t) => t.verdict === "passed"),
      exitCode: suiteExitCode(tests, interrupted),
      bundles: bundles.map((d) => path.relative(cwd, d) || d),
      cache: cache && { hits: cache.hits, hitRate: cache.hitRate() },
    };
  } catch (e) {
    await pool?.close();
    await sweep(base, runId).catch(() => undefined);
    throw e;
  }
}
