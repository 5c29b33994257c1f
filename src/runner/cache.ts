/**
 * Change-aware cache, per scenario. A scenario's key hashes its own configuration, the
 * services it runs with (its own and the test's background services), the ids of the images
 * involved (after aliasing), the effective inputs (--map, --hermetic, limits, determinism,
 * [otel]) and the clnrm version. Expectations are *not* part of the key: a cached scenario's
 * spans are stored with it and every run re-validates the current expectations against them.
 * Unchanged scenarios of a passing test are skipped and reported as cached; when every
 * scenario of a test is cached no container starts at all. Failed tests are never recorded.
 * Stored per project in <cacheDir>/results.json (written atomically).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TestConfig } from "../config/types.js";
import { backgroundServices, STEPS_SCENARIO } from "../engine/environment.js";
import type { ScenarioResult } from "../core/result.js";
import { canonicalJson } from "../telemetry/normalize.js";
import { spansToOtlpJson } from "../telemetry/otlp/encode-json.js";
import { spansFromJson } from "../telemetry/text-input.js";
import type { Span } from "../telemetry/span.js";
import type { TestRun } from "./run-test.js";
import { VERSION } from "../core/version.js";

export const CLNRM_VERSION = VERSION;
const FILE_VERSION = 2;

interface ScenarioEntry {
  readonly name: string;
  readonly result: ScenarioResult;
  readonly spans: Record<string, unknown>;
  readonly passedAt: string;
}
interface TestEntry {
  readonly name: string;
  /** Spans no scenario claims (background services, unattributed senders). */
  readonly spans: Record<string, unknown>;
  readonly passedAt: string;
}

export interface CacheKeys {
  /** Scenario name → key. */
  readonly scenarios: ReadonlyMap<string, string>;
  readonly test: string;
}

const sha = (v: unknown): string => createHash("sha256").update(canonicalJson(v)).digest("hex");

export function cacheKeys(
  config: TestConfig,
  imageIds: Readonly<Record<string, string>>,
  inputs: { map?: Readonly<Record<string, string>>; hermetic?: boolean },
): CacheKeys {
  const background = backgroundServices(config);
  const shared = {
    v: CLNRM_VERSION,
    file: config.file,
    test: config.name,
    format: config.format,
    images: imageIds,
    map: inputs.map ?? {},
    hermetic: inputs.hermetic === true || config.hermetic,
    limits: config.limits ?? null,
    determinism: config.determinism ?? null,
    otel: config.otel ?? null,
    background,
  };
  const scenarios = new Map<string, string>();
  if (config.steps.length) scenarios.set(STEPS_SCENARIO, sha({ ...shared, steps: config.steps }));
  for (const sc of config.scenarios)
    scenarios.set(
      sc.name,
      sha({
        ...shared,
        scenario: sc,
        service: config.services.find((s) => s.id === sc.service) ?? null,
      }),
    );
  return { scenarios, test: sha({ ...shared, scenarios: [...scenarios.values()] }) };
}

export class ResultCache {
  private scenarios: Record<string, ScenarioEntry> = {};
  private tests: Record<string, TestEntry> = {};
  hits = 0;
  misses = 0;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, "results.json");
    try {
      const doc = JSON.parse(fs.readFileSync(this.file, "utf8")) as {
        version?: number;
        scenarios?: Record<string, ScenarioEntry>;
        tests?: Record<string, TestEntry>;
      };
      if (doc.version === FILE_VERSION) {
        this.scenarios = doc.scenarios ?? {};
        this.tests = doc.tests ?? {};
      }
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
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
          spans: spansFromJson(e.spans, "cache"),
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
              .concat(spansFromJson(t.spans, "cache")),
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
          spans: spansToOtlpJson(mine),
          passedAt: now,
        };
    }
    this.tests[keys.test] = {
      name: run.result.name,
      spans: spansToOtlpJson(run.spans.filter((s) => !claimed.has(s))),
      passedAt: now,
    };
  }

  save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(
      tmp,
      `${JSON.stringify({ version: FILE_VERSION, scenarios: this.scenarios, tests: this.tests })}\n`,
    );
    fs.renameSync(tmp, this.file); // atomic: a crash never leaves half a cache
  }

  hitRate(): string {
    const total = this.hits + this.misses;
    return total === 0
      ? "n/a"
      : `${Math.round((100 * this.hits) / total)}% (${this.hits}/${total} scenarios)`;
  }
}
