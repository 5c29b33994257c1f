/** Change-aware cache, baselines (record/repro) and the red/green check, with real runs. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import { aliasConfig, runCli, tmpDir, writeTest, suite } from "../helpers/env.js";

const SPAN = (name: string, attr: string): string =>
  ndjsonSpan(name, { attributes: { step: attr } });
const TEST = (
  opts: { span?: string; env?: string; image?: string; expect?: string } = {},
): string => `[meta]
name = "cached_test"
[service.s]
image = "${opts.image ?? "alpine:latest"}"
env = { MODE = "${opts.env ?? "a"}" }
${echoSpanScenario("emit", opts.span ?? SPAN("work", "one"), "s")}[[expect.span]]
name = "${opts.expect ?? "work"}"
`;

suite("cache, baselines, red/green (real containers)", ["docker"], () => {
  it(
    "a second run of an unchanged test is " +
      "skipped; a changed env or image re-runs; --force runs",
    async () => {
      const dir = tmpDir();
      const config = aliasConfig(dir);
      const file = writeTest(dir, "c.clnrm.toml", TEST());
      const first = await runCli(["-c", config, "run", file], { cwd: dir });
      assert.match(first.stdout, /PASS cached_test in/);
      const second = await runCli(["-c", config, "run", file], { cwd: dir });
      assert.equal(second.code, 0);
      assert.match(second.stdout, /PASS cached_test \(cached: no scenario changed/);
      assert.match(second.stdout, /cache: 100% \(1\/1 scenarios\) unchanged since they passed/);
      assert.match(
        (await runCli(["-c", config, "run", "--force", file], { cwd: dir })).stdout,
        /PASS cached_test in/,
      );

      fs.writeFileSync(file, TEST({ env: "b" }));
      assert.match(
        (await runCli(["-c", config, "run", file], { cwd: dir })).stdout,
        /PASS cached_test in/,
        "a changed env must re-run",
      );
      assert.match((await runCli(["-c", config, "run", file], { cwd: dir })).stdout, /\(cached:/);

      // Same reference, different image: re-point the alias at a derived image with another id.
      const tag = `clnrm/busybox:cache-test-${process.pid}`;
      const b = spawnSync("/usr/bin/docker", ["build", "-q", "-t", tag, "-"], {
        input: `FROM clnrm/busybox:local\nLABEL clnrm.cache-test="${process.pid}"\n`,
        encoding: "utf8",
        env: { ...process.env, DOCKER_BUILDKIT: "0" },
      });
      assert.equal(b.status, 0, b.stderr);
      try {
        fs.writeFileSync(
          config,
          fs
            .readFileSync(config, "utf8")
            .replace('"alpine:latest" = "clnrm/busybox:local"', `"alpine:latest" = "${tag}"`),
        );
        assert.match(
          (await runCli(["-c", config, "run", file], { cwd: dir })).stdout,
          /PASS cached_test in/,
          "a changed image must re-run",
        );
      } finally {
        fs.writeFileSync(
          config,
          fs
            .readFileSync(config, "utf8")
            .replace(`"alpine:latest" = "${tag}"`, '"alpine:latest" = "clnrm/busybox:local"'),
        );
        spawnSync("/usr/bin/docker", ["rmi", "-f", tag]);
      }
      // Expectations are not part of the key: a changed expectation is checked against the cached
      // spans.
      fs.writeFileSync(file, TEST({ expect: "missing" }));
      const reval = await runCli(["-c", config, "run", file], { cwd: dir });
      assert.equal(reval.code, 1);
      assert.match(
        reval.stdout,
        /FAIL cached_test \(cached: [\s\S]*expect\.span\[missing\]\.existence/,
      );
    },
  );

  it(
    "--map and --hermetic re-run a cached test; a " +
      "failed test is never cached, even when its scenario passed",
    async () => {
      // Mutations caught: run-suite passing {} instead of { map, hermetic } to cacheKeys → the
      // --map/--hermetic runs are "(cached"; ResultCache.record() without its verdict check →
      // the second run of the failing test is "(cached".
      const dir = tmpDir();
      const config = aliasConfig(dir);
      const text = `[meta]
name = "inputs"
[otel]
exporter = "stdout"
${echoSpanScenario("emit", SPAN("work", "one"))}[[expect.span]]
name = "work"
`;
      const file = writeTest(dir, "i.clnrm.toml", text);
      const run = (f: string, ...extra: string[]) =>
        runCli(["-c", config, "run", ...extra, f], { cwd: dir }).then((r) => r.stdout);
      assert.match(await run(file), /PASS inputs in/);
      assert.match(await run(file), /PASS inputs \(cached:/, "unchanged: cached");
      assert.match(await run(file, "--map", "x=1"), /PASS inputs in/, "--map must re-run");
      assert.match(await run(file, "--hermetic"), /PASS inputs in/, "--hermetic must re-run");
      const failing = writeTest(
        dir,
        "f.clnrm.toml",
        text
          .replace('name = "inputs"', 'name = "failing"')
          .replace('name = "work"\n', 'name = "absent"\n'),
      );
      for (let i = 0; i < 2; i++) {
        const out = await run(failing);
        assert.match(
          out,
          /FAIL failing in [\s\S]*expect\.span\[absent\]\.existence/,
          `run ${i + 1}`,
        );
        assert.doesNotMatch(out, /cached/);
      }
    },
  );

  it(
    "per scenario: an unchanged scenario is skipped " +
      "while a changed one runs, and its cached spans still count",
    async () => {
      const dir = tmpDir();
      const config = aliasConfig(dir);
      const two = (second: string): string => {
        const first = echoSpanScenario("first", SPAN("first.work", "x"));
        const secondSpan = ndjsonSpan("second.work", {
          span_id: "ef".repeat(8),
          attributes: { v: second },
        });
        return `[meta]
name = "two_scenarios"
${first}${echoSpanScenario("second", secondSpan)}[expect.counts]
by_name = { "first.work" = { eq = 1 }, "second.work" = { eq = 1 } }
`;
      };
      const file = writeTest(dir, "two.clnrm.toml", two("1"));
      const json = path.join(dir, "r.json");
      assert.equal((await runCli(["-c", config, "run", file], { cwd: dir })).code, 0);
      fs.writeFileSync(file, two("2"));
      const r = await runCli(["-c", config, "run", "--report-json", json, file], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /PASS two_scenarios in .* \(1\/2 scenario\(s\) cached\)/);
      const t = JSON.parse(fs.readFileSync(json, "utf8")).tests[0];
      assert.deepEqual(
        t.scenarios.map((s: { status: string }) => s.status),
        ["cached", "passed"],
      );
      assert.equal(t.counts.spans, 2);
      assert.match(r.stdout, /cache: 50% \(1\/2 scenarios\)/);
    },
  );

  it(
    "with a service, a changed scenario re-runs every scenario (a later one depends on the " +
      "service state an earlier one left)",
    async () => {
      // Mutation caught: reuse of cached scenarios with services (the old behaviour) → the
      // second run is "PASS (1/2 scenario(s) cached)" although `check` would now fail.
      const dir = tmpDir();
      const config = aliasConfig(dir);
      const stateful = (seed: string): string => `[meta]
name = "stateful"
[service.kv]
image = "node:20"
args = ["node", "-e", "let v = ''; require('http').createServer((q, r) => { \
if (q.url.startsWith('/set/')) v = q.url.slice(5); r.end(v) }).listen(8080)"]
health_check = { tcp_port = 8080 }
[[scenario]]
name = "seed"
run = "wget -q -O - http://kv:8080/set/${seed}"
[[scenario]]
name = "check"
run = "wget -q -O - http://kv:8080/get"
expected_output_regex = "^v1$"
`;
      const file = writeTest(dir, "stateful.clnrm.toml", stateful("v1"));
      const first = await runCli(["-c", config, "run", file], { cwd: dir });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      fs.writeFileSync(file, stateful("v2"));
      const second = await runCli(["-c", config, "run", file], { cwd: dir });
      assert.equal(second.code, 1, second.stdout + second.stderr);
      assert.match(second.stdout, /FAIL stateful in/);
      assert.doesNotMatch(second.stdout, /scenario\(s\) cached/);
    },
  );

  it(
    "record then repro: same digest reproduces; a " +
      "changed span is a mismatch with a structural diff",
    async () => {
      const dir = tmpDir();
      const config = aliasConfig(dir);
      const file = writeTest(dir, "b.clnrm.toml", TEST());
      const rec = await runCli(["-c", config, "record", file], { cwd: dir });
      assert.equal(rec.code, 0, rec.stdout + rec.stderr);
      assert.match(rec.stdout, /recorded cached_test: digest [0-9a-f]{64} \(1 spans, pass\)/);
      assert.ok(fs.existsSync(path.join(dir, ".clnrm/baselines/cached_test.json")));
      const same = await runCli(["-c", config, "repro", file], { cwd: dir });
      assert.equal(same.code, 0, same.stdout);
      assert.match(same.stdout, /REPRODUCED cached_test/);
      fs.writeFileSync(file, TEST({ span: SPAN("work", "two") }));
      const changed = await runCli(["-c", config, "repro", file], { cwd: dir });
      assert.equal(changed.code, 1);
      assert.match(changed.stdout, /MISMATCH cached_test/);
      assert.match(changed.stdout, /~ work\n\s+attribute step: "one" → "two"/);
    },
  );

  it("redgreen: red first, then green; green without a red phase is flagged", async () => {
    const dir = tmpDir();
    const config = aliasConfig(dir);
    const file = writeTest(dir, "t.clnrm.toml", TEST({ expect: "not_yet" }));
    const red = await runCli(["-c", config, "red-green", "--expect", "red", file], { cwd: dir });
    assert.equal(red.code, 0, red.stdout);
    assert.match(red.stdout, /RED cached_test: ok/);
    fs.writeFileSync(file, TEST());
    const green = await runCli(["-c", config, "redgreen", "--expect", "green", file], { cwd: dir });
    assert.equal(green.code, 0, green.stdout);
    assert.match(green.stdout, /GREEN cached_test: ok/);
    const fresh = tmpDir();
    const f2 = writeTest(fresh, "t.clnrm.toml", TEST());
    const skipped = await runCli(["-c", aliasConfig(fresh), "redgreen", f2], { cwd: fresh });
    assert.equal(skipped.code, 1);
    assert.match(skipped.stdout, /GREEN cached_test: skipped the red phase/);
  });
});
