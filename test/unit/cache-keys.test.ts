/**
 * The cache key (no Docker): every effective input changes the key of every scenario, the
 * expectations do not (cached spans are re-validated against the current expectations), and
 * a failed test is never recorded. The CLI's --map/--hermetic reaching the key and a failed
 * run never being cached are also checked end to end in test/integration/baseline-cache.test.ts.
 * Mutations (by hand in src/runner/cache.ts) each check was seen to catch:
 * - any one of map / hermetic / limits / determinism / otel dropped from `shared` → that row
 *   keeps the key.
 * - expectations added to the key → the "expectations do not change it" row fails.
 * - record() without the verdict check → the failed run is found by lookup().
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadTestSource } from "../../src/config/load.js";
import type { TestConfig } from "../../src/config/types.js";
import { cacheKeys, ResultCache } from "../../src/runner/cache.js";
import type { TestRun } from "../../src/runner/run-test.js";
import { tmpDir } from "../helpers/env.js";

const BASE = `[meta]
name = "keyed"
[service.s]
image = "alpine:latest"
[[scenario]]
name = "one"
service = "s"
run = "echo {{ word | default(value='hi') }}"
[[scenario]]
name = "two"
run = "true"
[[expect.span]]
name = "work"
`;
const IMAGES = { "alpine:latest": "sha256:aaa" };

async function config(extra = "", map?: Record<string, string>): Promise<TestConfig> {
  return (await loadTestSource(BASE + extra, "/t/keyed.clnrm.toml", { env: {}, map })).config;
}

const keysOf = (
  c: TestConfig,
  inputs: { map?: Record<string, string>; hermetic?: boolean } = {},
) => {
  const k = cacheKeys(c, IMAGES, inputs);
  return [k.test, ...k.scenarios.values()];
};

/** True when no key of `b` equals its counterpart in `a` (every scenario re-runs). */
const allChanged = (a: string[], b: string[]): boolean => a.every((k, i) => k !== b[i]);

describe("cache keys", () => {
  it(
    "change with --map, --hermetic, [otel], " + "[limits], [determinism] and the image id",
    async () => {
      const base = keysOf(await config());
      assert.deepEqual(keysOf(await config()), base, "the key is stable");
      const rows: [string, string[]][] = [
        ["--map (unused variable)", keysOf(await config(), { map: { other: "1" } })],
        ["--map (rendered)", keysOf(await config("", { word: "yo" }), { map: { word: "yo" } })],
        ["--hermetic", keysOf(await config(), { hermetic: true })],
        ["[otel]", keysOf(await config('[otel]\nexporter = "otlp"\n'))],
        ["[otel] protocol", keysOf(await config('[otel]\nexporter = "otlp"\nprotocol = "grpc"\n'))],
        ["[limits]", keysOf(await config("[limits]\nmemory_mb = 64\n"))],
        ["[determinism]", keysOf(await config("[determinism]\nseed = 1\n"))],
      ];
      for (const [what, keys] of rows)
        assert.ok(allChanged(base, keys), `${what} must change every key`);
      const c = await config();
      const other = cacheKeys(c, { "alpine:latest": "sha256:bbb" }, {});
      assert.notEqual(other.scenarios.get("one"), cacheKeys(c, IMAGES, {}).scenarios.get("one"));
    },
  );

  it("do not change with the expectations (cached spans are validated again)", async () => {
    const a = await config();
    const b = (
      await loadTestSource(BASE.replace('name = "work"', 'name = "other"'), "/t/keyed.clnrm.toml", {
        env: {},
      })
    ).config;
    assert.deepEqual(keysOf(b), keysOf(a));
  });
});

describe("result cache", () => {
  const run = (c: TestConfig, verdict: "passed" | "failed"): TestRun =>
    ({
      config: c,
      spans: [],
      result: {
        file: c.file,
        name: c.name,
        verdict,
        durationMs: 1,
        scenarios: c.scenarios.map((s) => ({
          name: s.name,
          status: "passed",
          durationMs: 1,
          steps: [],
        })),
        findings:
          verdict === "failed" ? [{ rule: "expect.span[work].existence", message: "no" }] : [],
        specHash: "",
        containers: [],
        warnings: [],
        imageAliases: [],
      },
    }) as unknown as TestRun;

  it("records a passing test, never a failed one (even when every scenario passed)", async () => {
    const c = await config();
    const keys = cacheKeys(c, IMAGES, {});
    const dir = tmpDir();
    const cache = new ResultCache(dir);
    cache.record(keys, run(c, "failed"));
    cache.save();
    const reloaded = new ResultCache(dir);
    assert.equal(reloaded.lookup(keys).scenarios.size, 0);
    assert.equal(reloaded.lookup(keys).whole, undefined);
    reloaded.record(keys, run(c, "passed"));
    reloaded.save();
    const again = new ResultCache(dir).lookup(keys);
    assert.deepEqual([...again.scenarios.keys()], ["one", "two"]);
    assert.ok(again.whole);
    assert.ok(fs.existsSync(path.join(dir, "results.json")));
  });
});
