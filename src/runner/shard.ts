/**
 * `clnrm run --shard i/n`: a deterministic split of the discovered test files across n
 * machines. Each test file is one test; its key is its path relative to the project root in
 * POSIX form, so the split is the same on every machine whatever the checkout directory (the
 * test's name is only known after rendering, which depends on --map, so the path is the key).
 *
 * Balancing: with durations recorded by earlier runs (<cacheDir>/durations.json) the files are
 * assigned longest first to the least loaded shard (LPT); a file without a recorded duration
 * counts as the median of the known ones. Without durations every file weighs the same and
 * the split is round-robin in path order (shard sizes differ by at most one). Ties are broken
 * by path and shard index only, so the result depends on nothing but the keys and durations.
 * The plan id hashes the whole assignment: shards that saw different files or durations
 * have different ids, which `clnrm report merge` detects.
 *
 * Hand-written: the split is a few lines of greedy assignment; no package does this for us.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CleanroomError } from "../core/errors.js";
import type { ShardInfo } from "../core/result.js";

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
}

/** Parses `i/n` (1 ≤ i ≤ n); anything else is a usage error naming the option. */
export function parseShard(value: string): ShardSpec {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(value);
  const index = m ? Number(m[1]) : Number.NaN;
  const total = m ? Number(m[2]) : Number.NaN;
  if (!m || total < 1 || index < 1 || index > total)
    throw new CleanroomError(
      "Configuration",
      `--shard must be i/n with 1 ≤ i ≤ n (e.g. --shard 2/3), got "${value}"`,
      {
        hint:
          m && total >= 1 && index > total
            ? `there are only ${total} shard(s): use 1/${total} … ${total}/${total}`
            : undefined,
      },
    );
  return { index, total };
}

/** A test file's key: its path relative to the project root, with forward slashes. */
export function testKey(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

export interface ShardPlan extends ShardInfo {
  /** This shard's files, in discovery order. */
  readonly selected: readonly string[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Splits `files` (absolute paths) into `spec.total` shards and returns shard `spec.index`. */
export function planShard(
  files: readonly string[],
  spec: ShardSpec,
  opts: { readonly root: string; readonly durations?: ReadonlyMap<string, number> },
): ShardPlan {
  const entries = files.map((file) => ({ file, key: testKey(opts.root, file) }));
  const known = entries
    .map((e) => opts.durations?.get(e.key))
    .filter((ms): ms is number => ms !== undefined);
  const fallback = known.length ? median(known) : 1;
  const weighed = entries.map((e) => ({ ...e, ms: opts.durations?.get(e.key) ?? fallback }));
  const order = [...weighed].sort(
    (a, b) => b.ms - a.ms || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const load = new Array<number>(spec.total).fill(0);
  const count = new Array<number>(spec.total).fill(0);
  const shardOf = new Map<string, number>();
  for (const e of order) {
    let best = 0;
    for (let s = 1; s < spec.total; s++)
      if (load[s]! < load[best]! || (load[s] === load[best] && count[s]! < count[best]!)) best = s;
    load[best]! += e.ms;
    count[best]! += 1;
    shardOf.set(e.file, best);
  }
  const assignment = [...weighed]
    .map((e) => [e.key, shardOf.get(e.file)!] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const plan = createHash("sha256")
    .update(JSON.stringify({ n: spec.total, assignment }))
    .digest("hex")
    .slice(0, 12);
  const mine = entries.filter((e) => shardOf.get(e.file) === spec.index - 1);
  return {
    index: spec.index,
    total: spec.total,
    plan,
    discovered: files.length,
    balancedBy: known.length ? "durations" : "count",
    estimatedMs: known.length ? Math.round(load[spec.index - 1]!) : undefined,
    files: mine.map((e) => e.key),
    selected: mine.map((e) => e.file),
  };
}

/** The run header, e.g. `shard 2/3: 4 of 11 test file(s), split by count …; plan 3fa9…`. */
export function shardHeader(p: ShardPlan): string {
  const how =
    p.balancedBy === "durations"
      ? `balanced by recorded durations (~${((p.estimatedMs ?? 0) / 1000).toFixed(1)}s)`
      : "split by count (no recorded durations)";
  const part = `shard ${p.index}/${p.total}: ${p.files.length} of ${p.discovered} test file(s)`;
  return `${part}, ${how}; plan ${p.plan}`;
}

const DURATIONS_VERSION = 1;
const durationsFile = (cacheDir: string): string => path.join(cacheDir, "durations.json");

/** Durations of earlier runs by test key; empty when none were recorded or unreadable. */
export function loadDurations(cacheDir: string): Map<string, number> {
  try {
    const doc = JSON.parse(fs.readFileSync(durationsFile(cacheDir), "utf8")) as {
      version?: number;
      tests?: Record<string, { ms?: unknown }>;
    };
    if (doc.version !== DURATIONS_VERSION || !doc.tests) return new Map();
    return new Map(
      Object.entries(doc.tests)
        .filter(([, v]) => typeof v.ms === "number" && Number.isFinite(v.ms) && v.ms >= 0)
        .map(([k, v]) => [k, v.ms as number]),
    );
  } catch {
    return new Map(); // none recorded yet
  }
}

/**
 * The durations of the tests that ran, by key. Cached tests and tests that did not run are
 * left out (they keep their earlier duration: ~0 ms would skew the next split).
 */
export function measuredDurations(
  root: string,
  tests: readonly {
    file: string;
    durationMs: number;
    cached?: boolean;
    error?: { message: string };
  }[],
): Map<string, number> {
  return new Map(
    tests
      .filter((t) => !t.cached && !t.error?.message.startsWith("not run"))
      .map((t) => [testKey(root, t.file), Math.round(t.durationMs)]),
  );
}

/**
 * Adds `measured` to <cacheDir>/durations.json (other entries are kept), written atomically.
 * `clnrm run` records only unsharded runs: the shards of one run must all see the same file,
 * so they read it and never write it; `clnrm report merge --save-durations` records theirs.
 */
export function saveDurations(cacheDir: string, measured: ReadonlyMap<string, number>): void {
  const all = new Map([...loadDurations(cacheDir), ...measured]);
  const tests = Object.fromEntries(
    [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, ms]) => [k, { ms }]),
  );
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = durationsFile(cacheDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ version: DURATIONS_VERSION, tests }, null, 1)}\n`);
  fs.renameSync(tmp, file); // atomic, like the result cache
}

/** `--shard` applied to the discovered files: the files to run and, when sharded, the plan. */
export function shardFiles(
  files: readonly string[],
  shard: string | undefined,
  o: { readonly root: string; readonly cacheDir: string; readonly useDurations: boolean },
): { readonly files: readonly string[]; readonly plan?: ShardPlan } {
  if (shard === undefined) return { files };
  const plan = planShard(files, parseShard(shard), {
    root: o.root,
    durations: o.useDurations ? loadDurations(o.cacheDir) : undefined,
  });
  return { files: plan.selected, plan };
}

/** The plan as recorded in the run result (without the absolute paths). */
export function shardInfo(plan: ShardPlan | undefined): ShardInfo | undefined {
  if (!plan) return undefined;
  const { selected: _selected, ...info } = plan;
  return info;
}
