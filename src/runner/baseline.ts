/**
 * Baselines: a test's normalized trace and digest recorded under .clnrm/baselines, so that
 * `repro` can re-run and compare trace digests (not timestamps), with a structural diff on
 * mismatch; and the red/green history of `redgreen`.
 */
import fs from "node:fs";
import { writeTextAtomic } from "../core/redact.js";
import path from "node:path";
import { CleanroomError } from "../core/errors.js";
import { normalizeTrace, traceDigest } from "../telemetry/normalize.js";
import { spansToOtlpJson } from "../telemetry/otlp/encode-json.js";
import { spansFromJson } from "../telemetry/text-input.js";
import { diffTraces, type TraceDiff } from "../telemetry/diff.js";
import type { TestRun } from "./run-test.js";

export interface Baseline {
  readonly version: 1;
  readonly name: string;
  readonly file: string;
  readonly recordedAt: string;
  readonly verdict: "pass" | "fail";
  readonly digest: string;
  readonly normalized: unknown;
  readonly spans: Record<string, unknown>;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, "_");
const baselineDir = (root: string): string => path.join(root, ".clnrm", "baselines");
const baselinePath = (root: string, name: string): string =>
  path.join(baselineDir(root), `${slug(name)}.json`);

export function recordBaseline(root: string, run: TestRun): Baseline {
  const b: Baseline = {
    version: 1,
    name: run.result.name,
    file: path.relative(root, run.result.file),
    recordedAt: new Date().toISOString(),
    verdict: run.result.verdict === "passed" ? "pass" : "fail",
    digest: traceDigest(run.spans),
    normalized: normalizeTrace(run.spans),
    spans: spansToOtlpJson(run.spans),
  };
  writeTextAtomic(baselinePath(root, b.name), `${JSON.stringify(b, null, 2)}\n`);
  return b;
}

export function loadBaseline(root: string, name: string): Baseline {
  const file = baselinePath(root, name);
  if (!fs.existsSync(file))
    throw new CleanroomError(
      "Io",
      `no baseline for "${name}" (${path.relative(process.cwd(), file)})`,
      { hint: "record one first: clnrm record <test>" },
    );
  return JSON.parse(fs.readFileSync(file, "utf8")) as Baseline;
}

export interface ReproOutcome {
  readonly name: string;
  readonly reproduced: boolean;
  readonly baselineDigest: string;
  readonly digest: string;
  readonly verdictChanged: boolean;
  readonly diff?: TraceDiff;
}

export function compareWithBaseline(b: Baseline, run: TestRun): ReproOutcome {
  const digest = traceDigest(run.spans);
  const verdict = run.result.verdict === "passed" ? "pass" : "fail";
  const reproduced = digest === b.digest && verdict === b.verdict;
  return {
    name: b.name,
    reproduced,
    baselineDigest: b.digest,
    digest,
    verdictChanged: verdict !== b.verdict,
    diff: reproduced ? undefined : diffTraces(spansFromJson(b.spans, "baseline"), run.spans),
  };
}

export type TddState = "red" | "green";
interface HistoryRecord {
  readonly timestamp: string;
  readonly file: string;
  readonly name: string;
  readonly state: TddState;
}

/** Appends to .clnrm/tdd-history.json and returns what was recorded before this run. */
export function appendHistory(
  root: string,
  records: readonly Omit<HistoryRecord, "timestamp">[],
): HistoryRecord[] {
  const file = path.join(root, ".clnrm", "tdd-history.json");
  let previous: HistoryRecord[] = [];
  try {
    previous =
      (JSON.parse(fs.readFileSync(file, "utf8")) as { records: HistoryRecord[] }).records ?? [];
  } catch {
    previous = [];
  }
  const now = new Date().toISOString();
  const all = [...previous, ...records.map((r) => ({ ...r, timestamp: now }))];
  writeTextAtomic(file, `${JSON.stringify({ version: 1, records: all }, null, 2)}\n`);
  return previous;
}
