/**
 * `--shard i/n` without Docker: parsing and its usage errors, the split (a partition, stable
 * across checkout directories and input order, balanced by recorded durations), the durations
 * file. Mutations caught: a file assigned to no shard or to two (partition property), a split
 * that depends on the absolute path or on input order (stability tests), durations ignored or
 * unknown durations counted as 0 (balance tests), cached/not-run durations recorded
 * (measuredDurations), another test's recorded duration dropped on save (round trip), a bad
 * --shard value accepted or reported as anything but a usage error naming --shard (CLI test).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { CleanroomError } from "../../src/core/errors.js";
import {
  loadDurations,
  measuredDurations,
  parseShard,
  planShard,
  saveDurations,
  shardHeader,
  testKey,
} from "../../src/runner/shard.js";
import { runCli, tmpDir, writeTest } from "../helpers/env.js";

const files = (root: string, names: readonly string[]): string[] =>
  names.map((n) => path.join(root, n));

describe("--shard parsing", () => {
  it("accepts i/n with 1 ≤ i ≤ n", () => {
    assert.deepEqual(parseShard("2/3"), { index: 2, total: 3 });
    assert.deepEqual(parseShard("1/1"), { index: 1, total: 1 });
    assert.deepEqual(parseShard(" 3 / 3 "), { index: 3, total: 3 });
  });

  for (const bad of ["0/3", "4/3", "a/b", "1/0", "", "2", "1/3/4", "-1/3", "1.5/3", "2/3x"])
    it(`rejects "${bad}" as a configuration error naming --shard`, () => {
      assert.throws(
        () => parseShard(bad),
        (e: unknown) =>
          e instanceof CleanroomError &&
          e.kind === "Configuration" &&
          e.message === `--shard must be i/n with 1 ≤ i ≤ n (e.g. --shard 2/3), got "${bad}"`,
      );
    });

  it("run --shard 0/3, 4/3, a/b: exit 2 naming the option, before the engine", async () => {
    const dir = tmpDir();
    writeTest(dir, "a.clnrm.toml", '[meta]\nname = "a"\n[[scenario]]\nname = "s"\nrun = "true"\n');
    for (const v of ["0/3", "4/3", "a/b"]) {
      const r = await runCli(["run", "--shard", v, dir], {
        cwd: dir,
        env: { DOCKER_HOST: "unix:///nonexistent.sock" },
      });
      assert.equal(r.code, 2, `${v}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`Configuration error: --shard must be i/n .* got "${v}"`));
    }
  });
});

describe("the split", () => {
  it("is a partition: each file in exactly one shard, one plan id for all (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,4})?$/), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.integer({ min: 0, max: 60_000 }), { maxLength: 30 }),
        (names, n, ms) => {
          const all = files(
            "/repo",
            names.map((x) => `${x}.clnrm.toml`),
          );
          const durations = new Map(
            all.slice(0, ms.length).map((f, i) => [testKey("/repo", f), ms[i]!]),
          );
          const shards = Array.from({ length: n }, (_, i) =>
            planShard(all, { index: i + 1, total: n }, { root: "/repo", durations }),
          );
          const covered = shards.flatMap((s) => s.selected);
          assert.deepEqual([...covered].sort(), [...all].sort());
          assert.equal(new Set(shards.map((s) => s.plan)).size, 1);
          for (const s of shards) {
            assert.equal(s.discovered, all.length);
            // each shard keeps discovery order
            assert.deepEqual(
              s.selected,
              all.filter((f) => s.selected.includes(f)),
            );
          }
        },
      ),
    );
  });

  it("without durations: round-robin by path, sizes differ by at most one", () => {
    const all = files(
      "/r",
      ["a", "b", "c", "d", "e", "f", "g"].map((x) => `${x}.clnrm.toml`),
    );
    const keys = [1, 2, 3].map((i) => planShard(all, { index: i, total: 3 }, { root: "/r" }).files);
    assert.deepEqual(keys, [
      ["a.clnrm.toml", "d.clnrm.toml", "g.clnrm.toml"],
      ["b.clnrm.toml", "e.clnrm.toml"],
      ["c.clnrm.toml", "f.clnrm.toml"],
    ]);
    const p = planShard(all, { index: 2, total: 3 }, { root: "/r" });
    assert.equal(p.balancedBy, "count");
    assert.match(
      shardHeader(p),
      /^shard 2\/3: 2 of 7 test file\(s\), split by count .*; plan [0-9a-f]{12}$/,
    );
  });

  it("is the same on another machine (other checkout dir, other discovery order)", () => {
    const names = [
      "x/b.clnrm.toml",
      "a.clnrm.toml",
      "x/c.clnrm.toml",
      "d.clnrm.toml",
      "e.clnrm.toml",
    ];
    const d = (root: string): Map<string, number> =>
      new Map([[testKey(root, path.join(root, "x/b.clnrm.toml")), 900]]);
    const here = planShard(
      files("/home/ci/repo", names),
      { index: 1, total: 2 },
      {
        root: "/home/ci/repo",
        durations: d("/home/ci/repo"),
      },
    );
    const there = planShard(
      files("/tmp/w/repo", [...names].reverse()),
      { index: 1, total: 2 },
      {
        root: "/tmp/w/repo",
        durations: d("/tmp/w/repo"),
      },
    );
    assert.deepEqual([...here.files].sort(), [...there.files].sort());
    assert.equal(here.plan, there.plan);
  });

  it("balances by recorded durations: the long test alone, the short ones together", () => {
    const all = files(
      "/r",
      ["a", "b", "c", "d", "e"].map((x) => `${x}.clnrm.toml`),
    );
    const durations = new Map([
      ["c.clnrm.toml", 40_000],
      ["a.clnrm.toml", 1_000],
      ["b.clnrm.toml", 1_000],
      ["d.clnrm.toml", 1_000],
      ["e.clnrm.toml", 1_000],
    ]);
    const s1 = planShard(all, { index: 1, total: 2 }, { root: "/r", durations });
    const s2 = planShard(all, { index: 2, total: 2 }, { root: "/r", durations });
    assert.deepEqual(s1.files, ["c.clnrm.toml"]);
    assert.deepEqual(s2.files, ["a.clnrm.toml", "b.clnrm.toml", "d.clnrm.toml", "e.clnrm.toml"]);
    assert.equal(s1.balancedBy, "durations");
    assert.equal(s1.estimatedMs, 40_000);
    assert.equal(s2.estimatedMs, 4_000);
    // by count, shard 1 would get a, c, e: 42 s against 2 s
    assert.deepEqual(planShard(all, { index: 1, total: 2 }, { root: "/r" }).files, [
      "a.clnrm.toml",
      "c.clnrm.toml",
      "e.clnrm.toml",
    ]);
  });

  it("counts a test without a recorded duration as the median of the known ones", () => {
    const all = files(
      "/r",
      ["a", "b", "c", "new"].map((x) => `${x}.clnrm.toml`),
    );
    const durations = new Map([
      ["a.clnrm.toml", 10_000],
      ["b.clnrm.toml", 10_000],
      ["c.clnrm.toml", 1],
    ]);
    // new counts 10 s and gets a shard of its own: a+c | b | new (as 0 ms it would share c's)
    const plans = [1, 2, 3].map(
      (i) => planShard(all, { index: i, total: 3 }, { root: "/r", durations }).files,
    );
    assert.deepEqual(plans, [
      ["a.clnrm.toml", "c.clnrm.toml"],
      ["b.clnrm.toml"],
      ["new.clnrm.toml"],
    ]);
  });

  it("more shards than tests: the extra shards are empty, none is lost", () => {
    const all = files("/r", ["a.clnrm.toml", "b.clnrm.toml"]);
    const sizes = [1, 2, 3, 4].map(
      (i) => planShard(all, { index: i, total: 4 }, { root: "/r" }).files.length,
    );
    assert.deepEqual(sizes, [1, 1, 0, 0]);
  });
});

describe("recorded durations", () => {
  it("round trip keeps other entries; unreadable or other-version files read as none", () => {
    const dir = tmpDir();
    saveDurations(
      dir,
      new Map([
        ["a.clnrm.toml", 1200],
        ["b.clnrm.toml", 50],
      ]),
    );
    saveDurations(dir, new Map([["b.clnrm.toml", 70]]));
    assert.deepEqual(
      [...loadDurations(dir)],
      [
        ["a.clnrm.toml", 1200],
        ["b.clnrm.toml", 70],
      ],
    );
    fs.writeFileSync(path.join(dir, "durations.json"), "{not json");
    assert.equal(loadDurations(dir).size, 0);
    fs.writeFileSync(path.join(dir, "durations.json"), '{"version":99,"tests":{"a":{"ms":1}}}');
    assert.equal(loadDurations(dir).size, 0);
    assert.equal(loadDurations(path.join(dir, "absent")).size, 0);
  });

  it("measures only tests that ran: cached and not-run tests keep their earlier duration", () => {
    const m = measuredDurations("/r", [
      { file: "/r/a.clnrm.toml", durationMs: 1234.4 },
      { file: "/r/b.clnrm.toml", durationMs: 0, cached: true },
      { file: "/r/c.clnrm.toml", durationMs: 0, error: { message: "not run: interrupted" } },
      { file: "/r/d/e.clnrm.toml", durationMs: 10, error: { message: "bad TOML" } },
    ]);
    assert.deepEqual(
      [...m],
      [
        ["a.clnrm.toml", 1234],
        ["d/e.clnrm.toml", 10],
      ],
    );
  });
});
