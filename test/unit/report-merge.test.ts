/**
 * `clnrm report merge` without Docker, on reports written by the real JSON reporter from
 * result models: recomputed counts and verdict, order restored, missing / duplicated shards
 * and tests, different splits, unknown format versions, the JSON → result round trip that
 * the JUnit and HTML writers use, the schema, and the CLI's exit codes.
 * Mutations caught: counts copied from one input instead of recomputed (counts test), a
 * missing or twice-given shard not reported (problem tests), the verdict left "pass" with a
 * problem (problem tests), unknown versions accepted (version test), a field lost in the
 * JSON → result mapping (round-trip test compares the whole re-rendered report and JUnit).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import AjvModule from "ajv";
import { CleanroomError } from "../../src/core/errors.js";
import type { RunResult, TestResult } from "../../src/core/result.js";
import { jsonReport } from "../../src/report/json.js";
import { junitReport } from "../../src/report/junit.js";
import { mergeReports, runFromReport, type MergeInput } from "../../src/report/merge.js";
import { planShard, shardInfo } from "../../src/runner/shard.js";
import { PROJECT_ROOT, runCli, tmpDir } from "../helpers/env.js";

const Ajv = AjvModule.default;
const ROOT = "/home/ci/repo";
const NAMES = ["a", "b", "c", "d", "e"];

function test(
  name: string,
  verdict: "passed" | "failed",
  over: Partial<TestResult> = {},
): TestResult {
  return {
    file: path.join(ROOT, `${name}.clnrm.toml`),
    name: `t_${name}`,
    verdict,
    durationMs: 100 + name.charCodeAt(0),
    scenarios: [
      {
        name: "s",
        status: verdict,
        durationMs: 90,
        steps: [
          {
            name: "s",
            kind: "scenario",
            service: "app",
            argv: ["sh", "-c", "echo hi"],
            exitCode: verdict === "passed" ? 0 : 3,
            stdout: "hi\n",
            stderr: "",
            durationMs: 90,
            status: verdict,
            timedOut: false,
            failure:
              verdict === "failed"
                ? { rule: "scenario[s].exit_code", message: "exit 3", expected: "0", actual: "3" }
                : undefined,
          },
        ],
      },
    ],
    findings:
      verdict === "failed"
        ? [{ rule: "scenario[s].exit_code", message: "exit 3", expected: "0", actual: "3" }]
        : [],
    firstFailure:
      verdict === "failed"
        ? { rule: "scenario[s].exit_code", message: "exit 3", spanIds: ["00f067aa0ba902b7"] }
        : undefined,
    telemetry: {
      spans: 2,
      events: 1,
      digest: "ab".repeat(32),
      completion: "quiet",
      sources: { stdout: 2 },
    },
    specHash: "f".repeat(64),
    seed: 42,
    freezeClock: "2025-01-01T00:00:00Z",
    containers: [],
    cached: false,
    warnings: ["w"],
    imageAliases: ["alpine:latest → clnrm/busybox:local"],
    ...over,
  };
}

const verdictOf = (n: string): "passed" | "failed" => (n === "c" ? "failed" : "passed");

/** Shard i of n of the five-test suite, as `clnrm run --shard i/n --report-json` writes it. */
function shardReport(
  i: number,
  n: number,
  started = "2026-01-01T00:00:00.000Z",
): Record<string, unknown> {
  const plan = planShard(
    NAMES.map((x) => path.join(ROOT, `${x}.clnrm.toml`)),
    { index: i, total: n },
    { root: ROOT },
  );
  const tests = plan.files
    .map((f) => f.replace(".clnrm.toml", ""))
    .map((x) => test(x, verdictOf(x)));
  const run: RunResult = {
    runId: `run${i}`,
    startedAt: started,
    durationMs: 1000 * i,
    tests,
    interrupted: false,
    shard: shardInfo(plan),
  };
  return jsonReport(run);
}

const inputs = (docs: Record<string, unknown>[]): MergeInput[] =>
  docs.map((doc, i) => ({ file: `s${i + 1}.json`, doc }));

describe("report merge", () => {
  it("three shards: each test once, counts and verdict recomputed, order restored", () => {
    const m = mergeReports(inputs([shardReport(3, 3), shardReport(1, 3), shardReport(2, 3)]));
    assert.deepEqual(m.problems, []);
    const r = m.report as {
      counts: unknown;
      verdict: string;
      tests: { name: string }[];
      duration_ms: number;
    };
    assert.deepEqual(r.counts, { tests: 5, passed: 4, failed: 1 });
    assert.equal(r.verdict, "fail");
    assert.deepEqual(
      r.tests.map((t) => t.name),
      ["t_a", "t_b", "t_c", "t_d", "t_e"],
    );
    assert.equal(r.duration_ms, 3000); // wall clock from the earliest start to the latest end
    assert.equal(m.durations.size, 5);
  });

  it("all passing shards merge to pass", () => {
    const docs = [1, 2].map((i) => {
      const d = shardReport(i, 2) as {
        tests: { verdict: string }[];
        counts: object;
        verdict: string;
      };
      for (const t of d.tests) t.verdict = "pass";
      return d as unknown as Record<string, unknown>;
    });
    const m = mergeReports(inputs(docs));
    assert.equal((m.report as { verdict: string }).verdict, "pass");
    assert.equal(m.failed, 0);
  });

  it("a missing shard is a problem and the verdict is fail", () => {
    const docs = [1, 2].map((i) => {
      const d = shardReport(i, 3) as { tests: { verdict: string }[] };
      for (const t of d.tests) t.verdict = "pass";
      return d as unknown as Record<string, unknown>;
    });
    const m = mergeReports(inputs(docs));
    assert.deepEqual(m.problems, ["shard 3/3 is missing: no report for it"]);
    assert.equal((m.report as { verdict: string }).verdict, "fail");
    assert.deepEqual((m.report as { merge: { problems: string[] } }).merge.problems, m.problems);
  });

  it("a shard given twice: the shard and its tests are reported as duplicates", () => {
    const m = mergeReports(inputs([shardReport(1, 2), shardReport(2, 2), shardReport(2, 2)]));
    assert.equal(m.problems[0], "shard 2/2 is given 2 times (s2.json, s3.json)");
    assert.match(
      m.problems[1]!,
      /^2 test\(s\) are in more than one report: b\.clnrm\.toml \(s2\.json, s3\.json\), d\.clnrm/,
    );
  });

  it("shards split differently (other durations on one machine) are a problem", () => {
    const other = shardReport(2, 2) as { shard: { plan: string } };
    other.shard.plan = "0123456789ab";
    const m = mergeReports(
      inputs([shardReport(1, 2), other as unknown as Record<string, unknown>]),
    );
    assert.match(
      m.problems.join("\n"),
      /split differently \(s1\.json: plan [0-9a-f]{12}, s2\.json: plan 0123456789ab\): every shard/,
    );
  });

  it("whole-run reports merge too; the same test in two of them is a duplicate", () => {
    const whole = jsonReport({
      runId: "w",
      startedAt: "2026-01-01T00:00:00Z",
      durationMs: 5,
      tests: [test("a", "passed")],
      interrupted: false,
    });
    const m = mergeReports(inputs([whole, whole]));
    assert.deepEqual(m.problems, ["1 test(s) are in more than one report: t_a (s1.json, s2.json)"]);
  });

  it("rejects unknown versions, non-reports, mixed and different splits (usage errors)", () => {
    const v2 = { ...shardReport(1, 1), schema: "clnrm.report/v2" };
    const err = (docs: unknown[], re: RegExp): void =>
      assert.throws(
        () => mergeReports(docs.map((doc, i) => ({ file: `s${i + 1}.json`, doc }))),
        (e: unknown) =>
          e instanceof CleanroomError && e.kind === "Serialization" && re.test(e.message),
      );
    err(
      [v2],
      /^report format "clnrm\.report\/v2" is not supported: this clnrm reads clnrm\.report\/v1$/,
    );
    err([{ hello: 1 }], /^not a clnrm JSON report \(no "schema" field\)$/);
    err(
      [shardReport(1, 2), shardReport(1, 3)],
      /^the reports come from different splits: s1\.json is 1\/2, s2\.json is 1\/3$/,
    );
    const whole = jsonReport({
      runId: "w",
      startedAt: "x",
      durationMs: 5,
      tests: [],
      interrupted: false,
    });
    err(
      [shardReport(1, 2), whole],
      /^s2\.json is not a shard report but s1\.json is \(shard 1\/2\)/,
    );
  });

  it("JSON → result → JSON and JUnit round trip loses nothing the reporters print", () => {
    const run: RunResult = {
      runId: "r",
      startedAt: "2026-01-01T00:00:00.000Z",
      durationMs: 1234,
      tests: [
        test("a", "passed"),
        test("c", "failed"),
        test("e", "passed", { error: { kind: "Container", message: "boom", hint: "h" } }),
      ],
      interrupted: false,
    };
    const back = runFromReport(jsonReport(run));
    assert.deepEqual(jsonReport(back), jsonReport(run));
    assert.equal(junitReport(back), junitReport(run));
  });

  it("shard and merged reports validate against docs/report.schema.json", () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, "docs/report.schema.json"), "utf8"),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const shard = shardReport(1, 2);
    assert.ok(validate(shard), JSON.stringify(validate.errors));
    const merged = mergeReports(inputs([shard, shardReport(2, 2)])).report;
    assert.ok(validate(merged), JSON.stringify(validate.errors));
  });
});

describe("clnrm report merge (CLI)", () => {
  const write = (dir: string, name: string, doc: unknown): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(doc));
    return f;
  };

  it("exit 1 naming a missing shard; exit 2 for an unknown version or a missing file", async () => {
    const dir = tmpDir();
    const a = write(dir, "a.json", shardReport(1, 2));
    const r = await runCli(["report", "merge", a, "--report-json", path.join(dir, "m.json")]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /merge problem: shard 2\/2 is missing: no report for it/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "m.json"), "utf8")).verdict, "fail");
    const v2 = write(dir, "v2.json", { ...shardReport(1, 1), schema: "clnrm.report/v9" });
    const r2 = await runCli(["report", "merge", v2]);
    assert.equal(r2.code, 2);
    assert.match(
      r2.stderr,
      /^Serialization error in .*v2\.json: report format "clnrm\.report\/v9" is not supported/,
    );
    const r3 = await runCli(["report", "merge", path.join(dir, "nope.json")]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /Io error in .*nope\.json: cannot read/);
  });
});
