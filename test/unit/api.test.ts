/**
 * The programmatic API (`import { runSuite } from "clnrm"`, the package entry) on the FakeBackend.
 * Mutations caught: an exit policy that ignores failures or configuration errors ("exit
 * codes"); reports or bundles no longer written by the API ("reports"); a network pool that
 * creates a network per test, hands one network to two tests at once, or leaves its networks
 * behind ("network pool"); a cache that is not saved ("cache").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { CleanroomError, EXIT, runSuite, type RunSuiteOptions } from "clnrm";
import { NetworkPool } from "../../src/engine/network-pool.js";
import { warmKinds } from "../../src/api/run-suite.js";
import { aliasOf, FakeBackend } from "../helpers/fake-backend.js";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import { tmpDir, writeTest } from "../helpers/env.js";

const IMAGE = "clnrm/busybox:local";
const SPAN = ndjsonSpan("work");

/** A project dir: cleanroom.toml and `n` one-scenario tests expecting span `work`. */
function project(n: number): string {
  const dir = tmpDir("clnrm-api-");
  fs.writeFileSync(
    path.join(dir, "cleanroom.toml"),
    `[containers]\ndefault_image = "${IMAGE}"\n[reporting]\nreport_dir = "reports"\n`,
  );
  for (let i = 0; i < n; i++)
    writeTest(
      dir,
      `t${i}.clnrm.toml`,
      `[meta]\nname = "t${i}"\n${echoSpanScenario("emit", SPAN)}[[expect.span]]\nname = "work"\n`,
    );
  return dir;
}

/** Scenario containers print the span unless their SPAN env says "silent"; they run ~30 ms. */
const fake = (): FakeBackend =>
  new FakeBackend((s) => ({ runMs: 30, stdout: s.env.SPAN === "silent" ? "" : `${SPAN}\n` }));

const opts = (cwd: string, backend: FakeBackend, more: RunSuiteOptions = {}): RunSuiteOptions => ({
  cwd,
  backend,
  jobs: 2,
  cache: false,
  ...more,
});

describe("runSuite (programmatic API)", () => {
  it("runs a directory: verdicts, exit code 0, nothing left behind", async () => {
    const dir = project(3);
    const backend = fake();
    const r = await runSuite(opts(dir, backend));
    assert.equal(r.exitCode, EXIT.ok);
    assert.equal(r.passed, true);
    assert.deepEqual(
      r.tests.map((t) => [t.result.name, t.result.verdict, t.spans.length]),
      [
        ["t0", "passed", 1],
        ["t1", "passed", 1],
        ["t2", "passed", 1],
      ],
    );
    assert.deepEqual(backend.live(), { containers: [], networks: [] });
  });

  it("a failing test: exit code 1, a JSON report, a failure bundle", async () => {
    const dir = project(2);
    writeTest(
      dir,
      "t1.clnrm.toml",
      `[meta]\nname = "t1"\n${echoSpanScenario("emit", "silent")}[[expect.span]]\nname = "work"\n`,
    );
    const json = path.join(dir, "out", "report.json");
    const r = await runSuite(opts(dir, fake(), { reports: { json } }));
    assert.equal(r.exitCode, EXIT.testFailed);
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
      tests: { name: string; verdict: string }[];
    };
    assert.deepEqual(
      report.tests.map((t) => [t.name, t.verdict]),
      [
        ["t0", "pass"],
        ["t1", "fail"],
      ],
    );
    assert.equal(r.bundles.length, 1);
    assert.ok(fs.existsSync(path.join(dir, r.bundles[0]!)), r.bundles[0]);

    writeTest(dir, "t0.clnrm.toml", `[meta]\nname = "t0"\n[[scenario]]\nname = "s"\nrun = "x\n`);
    assert.equal((await runSuite(opts(dir, fake()))).exitCode, EXIT.usage);
  });

  it("a run that cannot start throws a CleanroomError", async () => {
    await assert.rejects(
      runSuite({ cwd: tmpDir(), paths: ["nope"], backend: fake() }),
      (e: unknown) => e instanceof CleanroomError && /path nope does not exist/.test(e.message),
    );
  });

  it("cache: a second run of unchanged passing tests starts no container", async () => {
    const dir = project(2);
    const first = fake();
    assert.equal((await runSuite(opts(dir, first, { cache: true }))).exitCode, EXIT.ok);
    const second = fake();
    const r = await runSuite(opts(dir, second, { cache: true }));
    assert.equal(r.exitCode, EXIT.ok);
    assert.deepEqual(r.cache, { hits: 2, hitRate: "100% (2/2 scenarios)" });
    assert.ok(!second.events.some((e) => e.startsWith("start")), second.events.join(", "));
  });

  it(
    "network pool: 6 tests at -j 2 share 2 networks, " + "one test at a time, then removed",
    async () => {
      const dir = project(6);
      const backend = fake();
      const inUse = new Map<string, number>();
      let maxPerNetwork = 0;
      const start = backend.start.bind(backend);
      backend.start = async (spec) => {
        const net = spec.network?.name ?? "";
        inUse.set(net, (inUse.get(net) ?? 0) + 1);
        maxPerNetwork = Math.max(maxPerNetwork, inUse.get(net)!);
        setTimeout(() => inUse.set(net, inUse.get(net)! - 1), 25);
        return start(spec);
      };
      const r = await runSuite(opts(dir, backend));
      assert.equal(r.exitCode, EXIT.ok);
      assert.equal(backend.networksCreated, 2);
      assert.equal(maxPerNetwork, 1, "a pooled network serves one test at a time");
      assert.deepEqual(backend.live(), { containers: [], networks: [] });
      const unpooled = fake();
      await runSuite(opts(dir, unpooled, { networkPool: false }));
      assert.equal(unpooled.networksCreated, 6);
    },
  );

  it("network pool: a hermetic test's network is warmed internal, no open one made", async () => {
    const dir = project(0);
    const hermetic = (name: string, line: string): string =>
      `[meta]\nname = "${name}"\n${echoSpanScenario("emit", SPAN)}[[expect.span]]\n` +
      `name = "work"\n[expect.hermeticity]\n${line}\n`;
    writeTest(dir, "h.clnrm.toml", hermetic("h", "no_external_services = true"));
    const backend = fake();
    assert.equal((await runSuite(opts(dir, backend))).exitCode, EXIT.ok);
    assert.deepEqual(
      backend.events.filter((e) => e.startsWith("network.create")),
      ["network.create internal"],
    );
    // only a guess from the text: a commented-out line does not count
    writeTest(dir, "c.clnrm.toml", hermetic("c", "# no_external_services = true"));
    assert.deepEqual(
      warmKinds([path.join(dir, "c.clnrm.toml"), path.join(dir, "h.clnrm.toml")], 2, false),
      [false, true],
    );
    assert.deepEqual(warmKinds([path.join(dir, "c.clnrm.toml")], 2, true), [true]);
  });

  it("network pool: the variants of a [matrix] file reuse one network at -j 1", async () => {
    const dir = project(0);
    writeTest(
      dir,
      "m.clnrm.toml",
      `[meta]\nname = "m"\n[matrix]\nx = ["a", "b", "c", "d"]\n` +
        `${echoSpanScenario("emit", SPAN)}[[expect.span]]\nname = "work"\n`,
    );
    const backend = fake();
    const r = await runSuite(opts(dir, backend, { jobs: 1 }));
    assert.equal(r.exitCode, EXIT.ok);
    assert.equal(r.tests.length, 4);
    // the pool stops keeping networks once the last variant started, not after the first
    assert.equal(backend.networksCreated, 1);
    assert.deepEqual(backend.live(), { containers: [], networks: [] });
  });

  it(
    "network pool: internal stays internal; " + "a network with a container left is dropped",
    async () => {
      const backend = fake();
      const pool = new NetworkPool(backend, "unit");
      pool.warm(1, false);
      const internal = await pool.createNetwork("x", true, {});
      assert.equal(internal.internal, true);
      const open = await pool.createNetwork("y", false, {});
      assert.equal(open.internal, false);
      await pool.start({
        image: IMAGE,
        env: {},
        labels: {},
        network: { name: open.name, aliases: ["a"] },
      });
      // The engine refuses: a container is on it.
      await pool.removeNetwork(open.id).catch(() => undefined);
      const next = await pool.createNetwork("z", false, {});
      assert.notEqual(next.id, open.id);
      assert.ok(backend.live().containers.includes("a"));
      await pool.removeNetwork(internal.id);
      assert.equal(
        (await pool.createNetwork("w", true, {})).id,
        internal.id,
        "a clean one is reused",
      );
      await pool.close();
      assert.deepEqual(backend.live().networks, [open.name], "only the one with a container stays");
      assert.equal(aliasOf({ image: "", env: {}, labels: {} }), "?");
    },
  );
});
