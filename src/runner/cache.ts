/**
 * Change-aware cache, per scenario. A scenario's key hashes everything that can change its
 * outcome except the expectations:
 * - the rendered test file without its `[expect…]` tables (the scenario's own `[[scenario]]`
 *   entry, not the other scenarios'), so every key, env and variable of the file counts;
 * - the ids of the images involved (after aliasing), the engine (`DOCKER_HOST`);
 * - the content of every host path bind-mounted into the scenario's containers (its own
 *   service and the background services), hashed file by file (tree-hash.ts: stat memo);
 * - `--map`, `--hermetic`, `--span-timeout`, the project's default image, aliases and
 *   timeouts, and the clnrm version read from package.json.
 * Expectations are *not* part of the key: a cached scenario's spans are stored with it,
 * losslessly (missing timestamps stay missing), and every run re-validates the current
 * expectations against them. Unchanged scenarios of a passing test are skipped and reported as
 * cached; when every scenario of a test is cached no container starts at all. Failed tests are
 * never recorded. Stored per project in <cacheDir>/results.json (written atomically).
 */
import { createHash } from "node:crypto";
import { writeTextAtomic } from "../core/redact.js";
import fs from "node:fs";
import path from "node:path";
import type { ProjectConfig } from "../config/project.js";
import { parseToml } from "../config/toml.js";
import type { ServiceConfig, TestConfig } from "../config/types.js";
import { backgroundServices, STEPS_SCENARIO } from "../engine/environment.js";
import type { ScenarioResult } from "../core/result.js";
import { VERSION } from "../core/version.js";
import { canonicalJson } from "../telemetry/normalize.js";
import { spanFromStored, spanToStored, type Span } from "../telemetry/span.js";
import type { TestRun } from "./run-test.js";
import { TreeHasher, type FileMemo } from "./tree-hash.js";

const FILE_VERSION = 3;

interface ScenarioEntry {
  readonly name: string;
  readonly result: ScenarioResult;
  readonly spans: readonly Record<string, unknown>[];
  readonly passedAt: string;
}
interface TestEntry {
  readonly name: string;
  /** Spans no scenario claims (background services, unattributed senders). */
  readonly spans: readonly Record<string, unknown>[];
  readonly passedAt: string;
}

export interface CacheKeys {
  /** Scenario name → key. */
  readonly scenarios: ReadonlyMap<string, string>;
  readonly test: string;
}

export interface CacheInputs {
  readonly map?: Readonly<Record<string, string>>;
  readonly hermetic?: boolean;
  readonly spanTimeoutMs?: number;
  readonly project?: ProjectConfig;
  /** Hashes a bind-mounted host path (default: a fresh TreeHasher, no memo). */
  readonly hashPath?: (hostPath: string) => string;
}

const sha = (v: unknown): string => createHash("sha256").update(canonicalJson(v)).digest("hex");

export function cacheKeys(
  config: TestConfig,
  imageIds: Readonly<Record<string, string>>,
  inputs: CacheInputs,
): CacheKeys {
  const hashPath = inputs.hashPath ?? ((p: string) => new TreeHasher().hash(p));
  const mounts = (services: readonly (ServiceConfig | undefined)[]): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const s of services)
      for (const v of s?.volumes ?? []) out[v.hostPath] ??= hashPath(v.hostPath);
    return out;
  };
  const {
    expect: _expect,
    scenario: rawScenarios,
    ...rendered
  } = parseToml(config.source, config.file);
  const p = inputs.project;
  const background = backgroundServices(config);
  const shared = {
    v: VERSION,
    file: config.file,
    rendered,
    images: imageIds,
    engine: process.env.DOCKER_HOST ?? "",
    map: inputs.map ?? {},
    hermetic: inputs.hermetic === true || config.hermetic,
    spanTimeoutMs: inputs.spanTimeoutMs ?? null,
    project: p
      ? {
          defaultImage: p.defaultImage,
          aliases: p.imageAliases,
          timeouts: [p.startupTimeoutMs, p.stepTimeoutMs, p.testTimeoutMs],
        }
      : null,
  };
  const scenarios = new Map<string, string>();
  if (config.steps.length)
    scenarios.set(STEPS_SCENARIO, sha({ ...shared, mounts: mounts(config.services) }));
  const raw = Array.isArray(rawScenarios) ? rawScenarios : [];
  config.scenarios.forEach((sc, i) => {
    const own = config.services.find((s) => s.id === sc.service);
    scenarios.set(
      sc.name,
      sha({ ...shared, scenario: raw[i] ?? sc, mounts: mounts([own, ...background]) }),
    );
  });
  return { scenarios, test: sha({ ...shared, scenarios: [...scenarios.values()] }) };
}

export class ResultCache {
  private scenarios: Record<string, ScenarioEntry> = {};
  private tests: Record<string, TestEntry> = {};
  /** Stat memo of the bind-mounted files' hashes, kept across runs. */
  readonly hasher: TreeHasher;
  hits = 0;
  misses = 0;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, "results.json");
    let files: Record<string, FileMemo> = {};
    try {
      const doc = JSON.parse(fs.readFileSync(this.file, "utf8")) as {
        version?: number;
        scenarios?: Record<string, ScenarioEntry>;
        tests?: Record<string, TestEntry>;
        files?: Record<string, FileMemo>;
      };
      if (doc.version === FILE_VERSION) {
        this.scenarios = doc.scenarios ?? {};
        this.tests = doc.tests ?? {};
        files = doc.files ?? {};
      }
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
    this.hasher = new TreeHasher(files);
  }

  /** The keys of a test, with bind mounts hashed through this cache's stat memo. */
  keys(
    config: TestConfig,
    imageIds: Readonly<Record<string, string>>,
    inputs: Omit<CacheInputs, "hashPath">,
  ): CacheKeys {
    return cacheKeys(config, imageIds, { ...inputs, hashPath: (p) => this.hasher.hash(p) });
  }

  /**
   * The cached scenarios of a test (counted in the hit rate), and whether the whole test is cached.
   */
  lookup(keys: CacheKeys): {
    readonly scenarios: Map<string, { result: ScenarioResult; spans: Span[] }>;
    readonly whole?: { spans: Span[] };
  } {
    const found = new Map<string, { result: ScenarioResult; spans: Span[] }>();
    for (const [name, key] of keys.scenarios) {
      const e = this.scenarios[key];
      if (e)
        found.set(name, {
          result: { ...e.result, status: "cached", durationMs: 0 },
          spans: e.spans.map((x) => spanFromStored(x, "cache")),
        });
    }
    this.hits += found.size;
    this.misses += keys.scenarios.size - found.size;
    const t = this.tests[keys.test];
    const whole =
      found.size === keys.scenarios.size && t
        ? {
            spans: [...found.values()]
              .flatMap((x) => x.spans)
              .concat(t.spans.map((x) => spanFromStored(x, "cache"))),
          }
        : undefined;
    return { scenarios: found, whole };
  }

  /**
   * Records a passing run: each scenario with the spans it sent (resource clnrm.scenario), the rest
   * under the test.
   */
  record(keys: CacheKeys, run: TestRun): void {
    if (run.result.verdict !== "passed" || run.result.cached) return;
    const now = new Date().toISOString();
    const claimed = new Set<Span>();
    for (const sc of run.result.scenarios) {
      const key = keys.scenarios.get(sc.name);
      if (!key || (sc.status !== "passed" && sc.status !== "cached")) continue;
      const mine = run.spans.filter((s) => s.resource["clnrm.scenario"] === sc.name);
      for (const s of mine) claimed.add(s);
      // A cached scenario's entry is already there; a passing one is (re)written with its spans.
      if (sc.status === "passed")
        this.scenarios[key] = {
          name: sc.name,
          result: sc,
          spans: mine.map(spanToStored),
          passedAt: now,
        };
    }
    this.tests[keys.test] = {
      name: run.result.name,
      spans: run.spans.filter((s) => !claimed.has(s)).map(spanToStored),
      passedAt: now,
    };
  }

  save(): void {
    // atomic (a crash never leaves half a cache) and redacted (no secret stored in the cache)
    writeTextAtomic(
      this.file,
      `${JSON.stringify({
        version: FILE_VERSION,
        scenarios: this.scenarios,
        tests: this.tests,
        files: this.hasher.memo,
      })}
`,
    );
  }

  hitRate(): string {
    const total = this.hits + this.misses;
    return total === 0
      ? "n/a"
      : `${Math.round((100 * this.hits) / total)}% (${this.hits}/${total} scenarios)`;
  }
}
