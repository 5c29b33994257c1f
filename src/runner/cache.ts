/**
 * Change-aware cache. A test's key hashes its rendered TOML, the ids of the images it would
 * run (after aliasing), the effective environment inputs (--map, --hermetic) and the clnrm
 * version; a test whose key matches a previous *passing* run is skipped and reported as cached.
 * Failed tests are never cached. Stored per project in <cacheDir>/results.json.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TestConfig } from "../config/types.js";
import type { TestResult } from "../core/result.js";

export const CLNRM_VERSION = "0.7.0";
const FILE_VERSION = 1;

export interface CacheEntry {
  readonly file: string;
  readonly name: string;
  readonly digest?: string;
  readonly spans?: number;
  readonly durationMs: number;
  readonly passedAt: string;
}

export function cacheKey(config: TestConfig, imageIds: readonly string[], inputs: { map?: Readonly<Record<string, string>>; hermetic?: boolean }): string {
  return createHash("sha256")
    .update(JSON.stringify({ v: CLNRM_VERSION, source: config.source, images: [...imageIds].sort(), map: inputs.map ?? {}, hermetic: inputs.hermetic === true }))
    .digest("hex");
}

export class ResultCache {
  private entries: Record<string, CacheEntry> = {};
  hits = 0;
  misses = 0;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, "results.json");
    try {
      const doc = JSON.parse(fs.readFileSync(this.file, "utf8")) as { version?: number; entries?: Record<string, CacheEntry> };
      if (doc.version === FILE_VERSION && doc.entries) this.entries = doc.entries;
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
  }

  lookup(key: string): CacheEntry | undefined {
    const e = this.entries[key];
    if (e) this.hits++;
    else this.misses++;
    return e;
  }

  record(key: string, r: TestResult): void {
    if (r.verdict !== "passed" || r.cached) return;
    this.entries[key] = { file: r.file, name: r.name, digest: r.telemetry?.digest, spans: r.telemetry?.spans, durationMs: r.durationMs, passedAt: new Date().toISOString() };
  }

  save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ version: FILE_VERSION, entries: this.entries }, null, 1)}\n`);
    fs.renameSync(tmp, this.file); // atomic: a crash never leaves half a cache
  }

  hitRate(): string {
    const total = this.hits + this.misses;
    return total === 0 ? "n/a" : `${Math.round((100 * this.hits) / total)}% (${this.hits}/${total})`;
  }
}

export function cachedResult(config: TestConfig, e: CacheEntry): TestResult {
  return {
    file: config.file, name: config.name, verdict: "passed", durationMs: 0, scenarios: config.scenarios.map((s) => ({ name: s.name, status: "cached", durationMs: 0, steps: [] })),
    findings: [], specHash: createHash("sha256").update(config.source).digest("hex"), containers: [], cached: true, warnings: [], imageAliases: [],
    telemetry: e.digest ? { spans: e.spans ?? 0, events: 0, digest: e.digest, completion: "none", sources: {} } : undefined,
  };
}
