/**
 * `clnrm report merge`: one report from the JSON reports of the shards of a run (the JSON
 * report, `clnrm.report/v1`, is the interchange format). Counts and verdict are recomputed
 * from the tests. Inputs that are not clnrm reports, of another format version, or from
 * different splits are usage errors (thrown). Problems of coverage — a shard missing, a shard
 * or a test present twice, shards split differently, a shard report whose results do not
 * match its file list — are returned as `problems`: the merged report is still written, with
 * verdict "fail", because an incomplete run must never read as green.
 */
import { CleanroomError } from "../core/errors.js";
import type { RunResult } from "../core/result.js";
import { runFromJson } from "./from-json.js";
import { JSON_REPORT_VERSION } from "./json.js";

type Json = Record<string, unknown>;

export interface MergeInput {
  /** Where the report came from (named in messages). */
  readonly file: string;
  readonly doc: unknown;
}

export interface Merged {
  /** The merged JSON report (clnrm.report/v1, with a `merge` section, without `shard`). */
  readonly report: Json;
  readonly problems: readonly string[];
  readonly passed: number;
  readonly failed: number;
  /** Shard reports only: test durations by project-relative key (cached, not run: left out). */
  readonly durations: ReadonlyMap<string, number>;
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function bad(file: string, message: string, hint?: string): CleanroomError {
  return new CleanroomError("Serialization", message, { context: { file }, hint });
}

interface Checked {
  readonly file: string;
  readonly doc: Json;
  readonly tests: readonly Json[];
  readonly shard?: { index: number; total: number; plan: string; files: readonly string[] };
}

function check(input: MergeInput): Checked {
  const { file, doc } = input;
  if (!isObj(doc) || typeof doc.schema !== "string")
    throw bad(
      file,
      'not a clnrm JSON report (no "schema" field)',
      "pass files written by --report-json",
    );
  if (doc.schema !== JSON_REPORT_VERSION)
    throw bad(
      file,
      `report format "${doc.schema}" is not supported: this clnrm reads ${JSON_REPORT_VERSION}`,
      "merge with the clnrm version that wrote the reports",
    );
  if (!Array.isArray(doc.tests) || !doc.tests.every(isObj))
    throw bad(file, 'malformed clnrm report: "tests" is not a list of test objects');
  for (const [i, t] of doc.tests.entries())
    if (
      typeof t.name !== "string" ||
      typeof t.file !== "string" ||
      !["pass", "fail"].includes(String(t.verdict))
    )
      throw bad(file, `malformed clnrm report: tests[${i}] lacks file, name or verdict`);
  const s = doc.shard;
  if (s === undefined) return { file, doc, tests: doc.tests };
  if (
    !isObj(s) ||
    !Number.isInteger(s.index) ||
    !Number.isInteger(s.total) ||
    typeof s.plan !== "string" ||
    !Array.isArray(s.files)
  )
    throw bad(file, 'malformed clnrm report: "shard" needs index, total, plan and files');
  const shard = {
    index: s.index as number,
    total: s.total as number,
    plan: s.plan,
    files: s.files.map(String),
  };
  return { file, doc, tests: doc.tests, shard };
}

const of = (c: Checked): string => `${c.shard!.index}/${c.shard!.total}`;
const plansOf = (cs: readonly Checked[]): string =>
  cs.map((c) => `${c.file}: plan ${c.shard!.plan}`).join(", ");
const list = (xs: readonly string[], max = 5): string =>
  xs.slice(0, max).join(", ") + (xs.length > max ? ` (+${xs.length - max} more)` : "");

/** Merges shard reports (or whole-run reports) into one; see the module comment for errors. */
export function mergeReports(inputs: readonly MergeInput[]): Merged {
  if (inputs.length === 0)
    throw new CleanroomError("Configuration", "report merge needs at least one JSON report");
  const all = inputs.map(check);
  const sharded = all.filter((c) => c.shard);
  if (sharded.length && sharded.length !== all.length) {
    const plain = all.find((c) => !c.shard)!;
    throw bad(
      plain.file,
      `${plain.file} is not a shard report but ${sharded[0]!.file} is ` +
        `(shard ${of(sharded[0]!)}): merge the shards of one run`,
    );
  }
  const totals = [...new Set(sharded.map((c) => c.shard!.total))];
  if (totals.length > 1)
    throw bad(
      sharded.find((c) => c.shard!.total !== totals[0])!.file,
      "the reports come from different splits: " +
        sharded.map((c) => `${c.file} is ${of(c)}`).join(", "),
    );

  const problems: string[] = [];
  const total = totals[0];
  if (total !== undefined) {
    const byIndex = new Map<number, string[]>();
    for (const c of sharded)
      byIndex.set(c.shard!.index, [...(byIndex.get(c.shard!.index) ?? []), c.file]);
    for (let i = 1; i <= total; i++) {
      const files = byIndex.get(i) ?? [];
      if (files.length === 0) problems.push(`shard ${i}/${total} is missing: no report for it`);
      if (files.length > 1)
        problems.push(`shard ${i}/${total} is given ${files.length} times (${files.join(", ")})`);
    }
    for (const c of sharded)
      if (c.shard!.index < 1 || c.shard!.index > total)
        problems.push(`${c.file}: shard ${c.shard!.index}/${total} is out of range`);
    const plans = [...new Set(sharded.map((c) => c.shard!.plan))];
    if (plans.length > 1)
      problems.push(
        `the shards were split differently (${plansOf(sharded)}): ` +
          "every shard must see the same test files and the same recorded durations " +
          "(.clnrm/cache/durations.json), or run with --no-cache to split by count",
      );
    for (const c of sharded)
      if (c.shard!.files.length !== c.tests.length)
        problems.push(
          `${c.file}: shard ${of(c)} lists ${c.shard!.files.length} test file(s) ` +
            `but has ${c.tests.length} result(s)`,
        );
  }

  // Each test's identity: its project-relative key when sharded, else its file and name.
  const seen = new Map<string, string[]>();
  const entries: { key: string; test: Json }[] = [];
  const durations = new Map<string, number>();
  for (const c of all)
    c.tests.forEach((t, i) => {
      const key = c.shard?.files[i] ?? `${t.file}\u0000${t.name}`;
      seen.set(key, [...(seen.get(key) ?? []), c.file]);
      entries.push({ key, test: t });
      if (c.shard?.files[i] !== undefined && ranHere(t)) durations.set(key, num(t.duration_ms));
    });
  const dups = [...seen].filter(([, files]) => files.length > 1);
  if (dups.length)
    problems.push(
      `${dups.length} test(s) are in more than one report: ` +
        list(dups.map(([k, files]) => `${k.split("\u0000").pop()} (${files.join(", ")})`)),
    );
  if (sharded.length) entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const tests = entries.map((e) => e.test);
  const passed = tests.filter((t) => t.verdict === "pass").length;
  const starts = all.map((c) => Date.parse(String(c.doc.started_at))).filter(Number.isFinite);
  const ends = all
    .map((c) => Date.parse(String(c.doc.started_at)) + Number(c.doc.duration_ms))
    .filter(Number.isFinite);
  const t0 = starts.length ? Math.min(...starts) : Date.now();
  const report: Json = {
    schema: JSON_REPORT_VERSION,
    run_id: all.map((c) => String(c.doc.run_id)).join("+"),
    started_at: new Date(t0).toISOString(),
    duration_ms: ends.length ? Math.max(0, Math.max(...ends) - t0) : 0,
    interrupted: all.some((c) => c.doc.interrupted === true),
    verdict: passed === tests.length && problems.length === 0 ? "pass" : "fail",
    counts: { tests: tests.length, passed, failed: tests.length - passed },
    merge: {
      inputs: all.map((c) => ({
        file: c.file,
        run_id: String(c.doc.run_id),
        shard: c.shard ? `${c.shard.index}/${c.shard.total}` : null,
        tests: c.tests.length,
      })),
      problems,
    },
    tests,
  };
  return { report, problems, passed, failed: tests.length - passed, durations };
}

/** Not served from the cache and not skipped ("not run: …"): its duration is a real one. */
function ranHere(t: Json): boolean {
  const scenarios = Array.isArray(t.scenarios) ? t.scenarios.filter(isObj) : [];
  const cached = scenarios.length > 0 && scenarios.every((s) => s.status === "cached");
  const notRun = isObj(t.error) && String(t.error.message).startsWith("not run");
  return !cached && !notRun && typeof t.duration_ms === "number";
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/** A merged report back in the result model (for the JUnit, HTML and digest writers). */
export function runFromReport(report: Json): RunResult {
  return runFromJson(report, "the merged report");
}
