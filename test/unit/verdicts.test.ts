/**
 * Honest verdicts without Docker: must_precede semantics, evidence, the cache (lossless spans,
 * key over mounted content, real version), the exit-code policy and option validation. JUnit:
 * junit.test.ts.
 * Mutations each test catches (checked by breaking the code once):
 * - validateOrder back to "some A before some B" → the one-ordered-one-not fixture passes;
 * - the cache storing spans as OTLP/JSON again → missing timestamps become 0 and the
 *   live-vs-cached verdicts differ (the test also shows the old path differs);
 * - mounts left out of cacheKeys → the key does not change with the file;
 * - TreeHasher ignoring its memo → `reads` is not 0 on an unchanged tree;
 * - Service/Timeout mapped to 3, or not-run tests counted → the policy assertions fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadTestSource } from "../../src/config/load.js";
import type { TestConfig } from "../../src/config/types.js";
import type { TestResult } from "../../src/core/result.js";
import { VERSION } from "../../src/core/version.js";
import { cacheKeys, ResultCache } from "../../src/runner/cache.js";
import { TreeHasher } from "../../src/runner/tree-hash.js";
import type { TestRun } from "../../src/runner/run-test.js";
import { exitCodeForKind, exitCodeForRun } from "../../src/core/exit-codes.js";
import { spansToOtlpJson } from "../../src/telemetry/otlp/encode-json.js";
import { spansFromJson } from "../../src/telemetry/text-input.js";
import type { Span } from "../../src/telemetry/span.js";
import { validateExpectations } from "../../src/validate/index.js";
import { declaredRules, evidenceOf } from "../../src/validate/rules.js";
import { PROJECT_ROOT, runCli, tmpDir } from "../helpers/env.js";

const T = "a".repeat(32);
function span(id: string, name: string, o: Partial<Span> = {}): Span {
  return {
    traceId: T,
    spanId: id.padStart(16, "0"),
    name,
    attributes: {},
    events: [],
    links: [],
    status: { code: "OK" },
    resource: {},
    source: "otlp-http",
    ...o,
  };
}
const ms = (n: number): bigint => BigInt(n) * 1_000_000n;

async function config(expect: string): Promise<TestConfig> {
  const src =
    '[meta]\nname = "t"\n[service.db]\nimage = "x"\n[[scenario]]\nname = "s"\nrun = "true"\n' +
    expect;
  return (await loadTestSource(src, "v.clnrm.toml", { env: {} })).config;
}
const rulesOf = async (expect: string, spans: Span[]): Promise<string[]> =>
  validateExpectations((await config(expect)).expect, spans).map((f) => f.rule);

describe("must_precede: every B has an A of its trace that ended before it", () => {
  const ORDER = '[expect.order]\nmust_precede = [["db.query", "payment"]]\n';
  it("one ordered pair and one unordered pair fails; all ordered passes", async () => {
    const q1 = span("1", "db.query", { startNs: ms(0), endNs: ms(10) });
    const p1 = span("2", "payment", { startNs: ms(20), endNs: ms(30) });
    // p2 starts before any query ended
    const p2 = span("3", "payment", { startNs: ms(5), endNs: ms(8) });
    assert.deepEqual(await rulesOf(ORDER, [q1, p1]), []);
    assert.deepEqual(await rulesOf(ORDER, [q1, p1, p2]), [
      "expect.order.must_precede[db.query→payment]",
    ]);
    const f = validateExpectations((await config(ORDER)).expect, [q1, p1, p2])[0]!;
    assert.match(
      f.message,
      /1 of 2 "payment" span\(s\) have no "db\.query" span that ended before/,
    );
    assert.deepEqual(f.spanIds, [p2.spanId, q1.spanId]);
  });

  it("an A in another trace does not count; a B without a start time fails", async () => {
    const q = span("1", "db.query", { traceId: "b".repeat(32), startNs: ms(0), endNs: ms(1) });
    const p = span("2", "payment", { startNs: ms(5), endNs: ms(6) });
    assert.equal((await rulesOf(ORDER, [q, p])).length, 1);
    const q2 = span("3", "db.query", { startNs: ms(0), endNs: ms(1) });
    assert.equal((await rulesOf(ORDER, [q2, span("4", "payment")])).length, 1);
    // must_follow [a, b] is must_precede [b, a]
    const follow = '[expect.order]\nmust_follow = [["payment", "db.query"]]\n';
    assert.deepEqual(await rulesOf(follow, [q2, p]), []);
    assert.equal((await rulesOf(follow, [q2, p, span("5", "payment", { startNs: 0n })])).length, 1);
  });
});

// A trace with every validator's material, including spans whose timestamps are missing.
const TRACE: Span[] = [
  span("1", "checkout", {
    kind: "server",
    startNs: ms(0),
    endNs: ms(100),
    resource: { "service.name": "app", "clnrm.scenario": "s" },
  }),
  span("2", "db.query", {
    parentSpanId: "0000000000000001",
    kind: "client",
    startNs: ms(10),
    endNs: ms(20),
    attributes: { "server.address": "db", n: 3, ratio: 0.5, ok: true, tags: ["a", "b"] },
    events: [
      { name: "row", attributes: { i: 1 } },
      { name: "late", timeNs: ms(15), attributes: {} },
    ],
    resource: { "service.name": "app", "clnrm.scenario": "s" },
  }),
  span("3", "payment", {
    parentSpanId: "0000000000000001",
    status: { code: "ERROR", message: "declined" },
    resource: { "service.name": "app" },
  }),
  span("4", "audit", { startNs: ms(30), resource: { "service.name": "bg" } }),
];
const EVERYTHING = `[[expect.span]]
name = "payment"
duration_ms = { max = 5 }
[[expect.span]]
name = "db.query"
parent = "checkout"
kind = "client"
attrs.all = { n = "3", ok = "true" }
events.all = ["row"]
duration_ms = { min = 1, max = 50 }
[expect.graph]
must_include = [["checkout", "payment"]]
must_not_cross = [["db.query", "payment"]]
acyclic = true
[expect.counts]
spans_total = { eq = 4 }
events_total = { gte = 2 }
errors_total = { eq = 0 }
by_name = { "db.*" = { eq = 1 } }
by_kind = { client = { eq = 1 } }
[[expect.window]]
outer = "checkout"
contains = ["db.query", "payment", "audit"]
[expect.order]
must_precede = [["db.query", "payment"], ["db.query", "audit"]]
[expect.status]
all = "OK"
by_name = { "pay*" = "ERROR" }
[expect.hermeticity]
no_external_services = true
resource_attrs.must_match = { "service.name" = "app" }
span_attrs.forbid_keys = ["http.url"]
`;

describe("cache: cached traces round-trip exactly", () => {
  it("every validator gives the same verdict live and after a cache round trip", async () => {
    const dir = tmpDir();
    const keys = { scenarios: new Map([["s", "k-s"]]), test: "k-test" };
    const result = {
      verdict: "passed",
      scenarios: [{ name: "s", status: "passed", durationMs: 1, steps: [] }],
    } as unknown as TestResult;
    const writer = new ResultCache(dir);
    writer.record(keys, { result, spans: TRACE } as TestRun);
    writer.save();
    const cached = new ResultCache(dir).lookup(keys).whole!.spans;
    assert.equal(cached.length, TRACE.length);
    const c = await config(EVERYTHING);
    const live = validateExpectations(c.expect, TRACE);
    assert.ok(live.length >= 5, "the fixture exercises failing rules too");
    const strip = (x: Span[]) => x.map(({ source: _s, ...rest }) => rest);
    assert.deepEqual(
      strip([...cached].sort((a, b) => a.spanId.localeCompare(b.spanId))),
      strip(TRACE),
    );
    assert.deepEqual(validateExpectations(c.expect, cached), live);
    for (const block of EVERYTHING.split(/\n(?=\[)/)) {
      const one = await config(`${block}\n`);
      assert.deepEqual(
        validateExpectations(one.expect, cached),
        validateExpectations(one.expect, TRACE),
        block,
      );
    }
    // The OTLP/JSON form the cache used before turns missing timestamps into 0: verdicts differ.
    const viaOtlp = spansFromJson(spansToOtlpJson(TRACE), "cache");
    assert.notDeepEqual(validateExpectations(c.expect, viaOtlp), live);
  });
});

describe("cache key", () => {
  const SRC = (host: string, expect = "") => `[meta]
name = "k"
[service.app]
image = "alpine:latest"
volumes = [{ host_path = "${host}", container_path = "/data" }]
[[scenario]]
name = "s"
service = "app"
run = "cat /data/f"
${expect}`;
  it("covers mounted file content, not expectations; the memo skips unchanged files", async () => {
    const host = tmpDir();
    fs.mkdirSync(path.join(host, "sub"));
    fs.writeFileSync(path.join(host, "sub", "f"), "one");
    const cfg = async (e = "") =>
      (await loadTestSource(SRC(host, e), "k.clnrm.toml", { env: {} })).config;
    const key = async (e = "", hasher = new TreeHasher()) =>
      cacheKeys(
        await cfg(e),
        { "alpine:latest": "sha256:1" },
        { hashPath: (p) => hasher.hash(p) },
      ).scenarios.get("s");
    const k1 = await key();
    assert.equal(await key('[[expect.span]]\nname = "x"\n'), k1, "expectations are not in the key");
    fs.writeFileSync(path.join(host, "sub", "f"), "two");
    assert.notEqual(await key(), k1, "a changed mounted file changes the key");
    fs.chmodSync(path.join(host, "sub", "f"), 0o755);
    const k3 = await key();
    assert.notEqual(k3, k1);
    // An old, settled file is served from the stat memo: no read on the second hash.
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(host, "sub", "f"), old, old);
    const h = new TreeHasher();
    const first = h.hash(host);
    const again = new TreeHasher(JSON.parse(JSON.stringify(h.memo)));
    assert.equal(again.hash(host), first);
    assert.equal(again.reads, 0);
    // The version is the package's, and `clnrm --version` prints the same.
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    assert.equal(VERSION, pkg.version);
    assert.equal((await runCli(["--version"])).stdout.trim(), pkg.version);
  });
});

describe("evidence and the exit-code policy", () => {
  it("evidence: N rules over M spans by source, or exit codes only", async () => {
    const c = await config(EVERYTHING);
    const e = evidenceOf(c.expect, c.hasExpectations, [
      ...TRACE,
      span("9", "x", { source: "stdout" }),
    ]);
    assert.deepEqual(e, {
      level: "telemetry",
      rules: declaredRules(c.expect).length,
      spans: 5,
      bySource: { "otlp-http": 4, stdout: 1 },
    });
    assert.equal(e.rules, 20);
    const none = await config("");
    assert.deepEqual(evidenceOf(none.expect, none.hasExpectations, []), {
      level: "exit-codes",
      rules: 0,
      spans: 0,
      bySource: {},
    });
  });

  it("each error kind maps once; a run's code ignores tests that never started", () => {
    const want: Record<string, number> = {
      Configuration: 2,
      Template: 2,
      Serialization: 2,
      Io: 2,
      Validation: 1,
      Service: 1,
      Timeout: 1,
      Container: 3,
      Network: 3,
      Internal: 3,
    };
    for (const [k, v] of Object.entries(want)) assert.equal(exitCodeForKind(k), v, k);
    const t = (o: Partial<TestResult>) => ({ verdict: "failed", ...o }) as TestResult;
    const notRun = t({ error: { kind: "Internal", message: "not run" }, notRun: true });
    assert.equal(exitCodeForRun([t({}), notRun], false), 1);
    assert.equal(exitCodeForRun([t({ error: { kind: "Timeout", message: "" } })], false), 1);
    assert.equal(
      exitCodeForRun(
        [
          t({ error: { kind: "Container", message: "" } }),
          t({ error: { kind: "Template", message: "" } }),
        ],
        false,
      ),
      2,
    );
    assert.equal(exitCodeForRun([t({ verdict: "passed" })], true), 130);
  });

  it("option values are usage errors (exit 2) naming the option", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["run", "--span-timeout", "abc", "x"],
        /option '--span-timeout <ms>' argument 'abc' is invalid/,
      ],
      [
        ["spans", "--grep", "(", "x"],
        /option '--grep <regex>' argument '\(' is invalid\. not a valid regular expression/,
      ],
      [
        ["redgreen", "--expect", "blue"],
        /option '--expect <state>' argument 'blue' is invalid\. Allowed choices are red, green/,
      ],
      [
        ["run", "-m", "novalue", "x"],
        /option '-m, --map <key=value>' argument 'novalue' is invalid/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, re);
    }
  });
});
