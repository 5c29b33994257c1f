/**
 * Sharding and merging with real runs: five busybox echo tests (one fails its expectation)
 * run whole, then as three shards (at once, like three CI machines), then merged. The shards
 * cover every test exactly once, and the merged JSON, JUnit, HTML and digests equal the
 * whole run's counts and verdicts. Lean: 10 one-container tests in all.
 * Mutations caught: a shard running a test of another shard or none (coverage assertions), a
 * split that changes between shards (one plan id), shards rewriting the recorded durations
 * (durations unchanged), merged counts or verdicts not recomputed (compared with the whole
 * run), a missing shard merged as green (last assertion).
 */
import { before, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import {
  aliasConfig,
  managedResources,
  runCli,
  suite,
  tmpDir,
  writeTest,
  type CliResult,
} from "../helpers/env.js";

const NAMES = ["alpha", "bravo", "charlie", "delta", "echo"];
const TEST = (name: string): string => `[meta]
name = "shard_${name}"
${echoSpanScenario("emit", ndjsonSpan(`work.${name}`))}[[expect.span]]
name = "${name === "charlie" ? "never.sent" : `work.${name}`}"
`;

type Report = {
  run_id: string;
  verdict: string;
  counts: { tests: number; passed: number; failed: number };
  shard?: { index: number; total: number; plan: string; balanced_by: string; files: string[] };
  tests: { name: string; verdict: string; digest: string | null }[];
};

suite("--shard and report merge (real containers)", ["docker"], () => {
  let dir: string;
  let config: string;
  let whole: CliResult;
  let shards: CliResult[];
  const at = (f: string): string => path.join(dir, f);
  const json = (f: string): Report => JSON.parse(fs.readFileSync(at(f), "utf8")) as Report;
  const durations = (): string => fs.readFileSync(at(".clnrm/cache/durations.json"), "utf8");

  before(async () => {
    dir = tmpDir();
    config = aliasConfig(dir);
    fs.mkdirSync(at("tests"));
    for (const n of NAMES) writeTest(at("tests"), `${n}.clnrm.toml`, TEST(n));
    const outs = (p: string): string[] => [
      "--report-json",
      at(`${p}.json`),
      "--report-junit",
      at(`${p}.xml`),
      "--report-html",
      at(`${p}.html`),
      "--digest",
      at(`${p}.txt`),
    ];
    whole = await runCli(["-c", config, "run", "-j", "2", ...outs("whole"), "tests"], { cwd: dir });
    const recorded = durations();
    shards = await Promise.all(
      [1, 2, 3].map((i) =>
        runCli(
          ["-c", config, "run", "-j", "2", "--force", "--shard", `${i}/3`].concat([
            "--report-json",
            at(`s${i}.json`),
            "tests",
          ]),
          { cwd: dir },
        ),
      ),
    );
    assert.equal(durations(), recorded, "shards read the recorded durations, never write them");
  });

  it("the whole run fails on its one bad test and records every test's duration", () => {
    assert.equal(whole.code, 1, whole.stderr);
    assert.deepEqual(json("whole.json").counts, { tests: 5, passed: 4, failed: 1 });
    const recorded = JSON.parse(durations()) as { tests: Record<string, { ms: number }> };
    assert.deepEqual(
      Object.keys(recorded.tests),
      NAMES.map((n) => `tests/${n}.clnrm.toml`),
    );
  });

  it("three shards: one split, balanced by the recorded durations, every test exactly once", () => {
    const reports = [1, 2, 3].map((i) => json(`s${i}.json`));
    const plans = new Set(reports.map((r) => r.shard!.plan));
    assert.equal(plans.size, 1);
    shards.forEach((r, i) => {
      assert.match(
        r.stdout,
        new RegExp(
          `^shard ${i + 1}/3: ${reports[i]!.tests.length} of 5 test file\\(s\\), ` +
            `balanced by recorded durations \\(~[0-9.]+s\\); plan ${[...plans][0]}$`,
          "m",
        ),
      );
      assert.equal(reports[i]!.shard!.balanced_by, "durations");
      assert.equal(r.code, reports[i]!.tests.some((t) => t.verdict === "fail") ? 1 : 0, r.stderr);
    });
    const ran = reports.flatMap((r) => r.tests.map((t) => t.name)).sort();
    assert.deepEqual(ran, NAMES.map((n) => `shard_${n}`).sort());
    const files = reports.flatMap((r) => r.shard!.files).sort();
    assert.deepEqual(files, NAMES.map((n) => `tests/${n}.clnrm.toml`).sort());
    for (const r of [json("whole.json"), ...reports])
      assert.deepEqual(managedResources(r.run_id), { containers: [], networks: [] });
  });

  it("merged JSON, JUnit, HTML and digests equal the whole run's", async () => {
    const m = await runCli(
      ["report", "merge", at("s1.json"), at("s2.json"), at("s3.json")].concat(
        ["--report-json", at("m.json"), "--report-junit", at("m.xml")],
        ["--report-html", at("m.html"), "--digest", at("m.txt")],
      ),
      { cwd: dir },
    );
    assert.equal(m.code, 1, m.stderr); // one test failed: the merge fails like the whole run
    assert.equal(m.stderr, "");
    assert.match(m.stdout, /Test results: 4 passed, 1 failed in [0-9.]+s \(merged from 3 report/);
    const w = json("whole.json");
    const merged = json("m.json");
    assert.deepEqual(merged.counts, w.counts);
    assert.equal(merged.verdict, w.verdict);
    const brief = (r: Report) => r.tests.map((t) => [t.name, t.verdict, t.digest]);
    assert.deepEqual(brief(merged), brief(w));

    const junitTotals = (f: string) => {
      const x = fs.readFileSync(at(f), "utf8");
      const top = /<testsuites name="clnrm" tests="(\d+)" failures="(\d+)"/.exec(x)!;
      const cases = [...x.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)];
      return { tests: top[1], failures: top[2], cases: cases.map((c) => `${c[2]}/${c[1]}`) };
    };
    assert.deepEqual(junitTotals("m.xml"), junitTotals("whole.xml"));
    assert.equal(junitTotals("m.xml").tests, "10"); // 5 scenarios + 5 expectation cases

    const htmlCounts = (f: string) => {
      const h = fs.readFileSync(at(f), "utf8");
      const data = JSON.parse(
        /<script type="application\/json" id="clnrm-data">(.*?)<\/script>/s.exec(h)![1]!,
      );
      const head = /<title>[^<]*: (\d+) passed, (\d+) failed<\/title>/.exec(h)!;
      return { counts: data.run.counts, head: [head[1], head[2]] };
    };
    assert.deepEqual(htmlCounts("m.html"), htmlCounts("whole.html"));
    assert.equal(fs.readFileSync(at("m.txt"), "utf8"), fs.readFileSync(at("whole.txt"), "utf8"));
  });

  it("merging two of the three shards fails and names the missing one", async () => {
    const m = await runCli(["report", "merge", at("s1.json"), at("s3.json")], { cwd: dir });
    assert.equal(m.code, 1);
    assert.match(m.stderr, /merge problem: shard 2\/3 is missing: no report for it/);
  });
});
