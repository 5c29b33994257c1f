/** Runs many test files: bounded pool, input order kept, fail-fast, change-aware cache. */
import { resolveImage, type ProjectConfig } from "../config/project.js";
import { loadTestFile, testVariants } from "../config/load.js";
import { asCleanroomError } from "../core/errors.js";
import type { TraceSpan } from "../core/tracing.js";
import type { Backend } from "../engine/backend.js";
import type { TemplateRenderer } from "../template/render.js";
import { STEPS_SCENARIO } from "../engine/environment.js";
import type { CacheKeys, ResultCache } from "./cache.js";
import { cachedTestRun, errorInfo, notRunResult, runTestConfig, type TestRun } from "./run-test.js";
import { mapPool } from "./map-pool.js";

export interface SuiteOptions {
  readonly backend: Backend;
  readonly project: ProjectConfig;
  readonly runId: string;
  readonly renderer: TemplateRenderer;
  readonly jobs: number;
  readonly failFast: boolean;
  readonly signal: AbortSignal;
  readonly map?: Readonly<Record<string, string>>;
  readonly hermetic?: boolean;
  /** Where each test's OTLP receiver runs (resolved: never auto). */
  readonly receiver?: "host" | "sidecar";
  readonly cache?: ResultCache;
  /** Run every test even when the cache says it is unchanged (results are still recorded). */
  readonly force?: boolean;
  readonly runSpan?: TraceSpan;
  readonly secrets?: ReadonlySet<string>;
  readonly spanTimeoutMs?: number;
  /** A test starts; `last` once every test of the suite (each matrix variant too) started. */
  readonly onStart?: (file: string, last: boolean) => void;
  readonly onProgress?: (file: string, message: string) => void;
  readonly onDone?: (run: TestRun) => void;
}

export async function runSuite(files: readonly string[], o: SuiteOptions): Promise<TestRun[]> {
  let failed = false;
  // A file with [matrix] is one test per combination (its own name, cache key and report).
  const units = files.flatMap((file) => testVariants(file).map((matrix) => ({ file, matrix })));
  let started = 0;
  const runs = await mapPool(
    units,
    o.jobs,
    async ({ file, matrix }): Promise<TestRun> => {
      o.onStart?.(file, ++started === units.length);
      const t0 = Date.now();
      let run: TestRun;
      try {
        const { config } = await loadTestFile(file, { map: o.map, renderer: o.renderer, matrix });
        let keys: CacheKeys | undefined;
        if (o.cache) {
          const ids: Record<string, string> = {};
          for (const ref of new Set([
            ...config.services.map((s) => s.image),
            o.project.defaultImage,
          ]))
            ids[ref] = await o.backend
              .ensureImage(resolveImage(o.project, ref).image, o.project.pullPolicy)
              .catch(() => `missing:${ref}`);
          keys = o.cache.keys(config, ids, {
            map: o.map,
            hermetic: o.hermetic,
            spanTimeoutMs: o.spanTimeoutMs,
            project: o.project,
          });
        }
        const hit = keys && !o.force ? o.cache!.lookup(keys) : undefined;
        if (hit?.whole) {
          const names = [
            ...(config.steps.length ? [STEPS_SCENARIO] : []),
            ...config.scenarios.map((s) => s.name),
          ];
          run = cachedTestRun(
            config,
            names.map((n) => hit.scenarios.get(n)!.result),
            hit.whole.spans,
            o.secrets,
          );
        } else {
          const onProgress = o.onProgress;
          run = await runTestConfig(
            config,
            {
              ...o,
              // Cached scenarios are skipped only when each runs in a fresh container of its
              // own: with services (or legacy [[steps]], whose `default` container later
              // scenarios can reach), an earlier scenario's effects (a seeded database) are
              // part of a later one's outcome, so a test that runs at all runs every scenario.
              reuse:
                config.services.length === 0 && config.steps.length === 0
                  ? hit?.scenarios
                  : undefined,
              onProgress: onProgress ? (m) => onProgress(file, m) : undefined,
            },
            t0,
          );
          if (keys) o.cache!.record(keys, run);
        }
      } catch (e) {
        const err = asCleanroomError(e, "Configuration");
        run = {
          spans: [],
          result: {
            file,
            name: file,
            verdict: "failed",
            durationMs: Date.now() - t0,
            scenarios: [],
            findings: [],
            error: errorInfo(err),
            specHash: "",
            containers: [],
            warnings: [],
            imageAliases: [],
          },
        };
      }
      if (run.result.verdict === "failed") failed = true;
      o.onDone?.(run);
      return run;
    },
    () => o.signal.aborted || (o.failFast && failed),
  );
  return runs.map(
    (r, i) =>
      r ?? {
        result: notRunResult(
          units[i]!.file,
          o.signal.aborted
            ? "not run: interrupted"
            : "not run: --fail-fast stopped after a failure",
        ),
        spans: [],
      },
  );
}
