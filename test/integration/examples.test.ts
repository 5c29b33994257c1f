/**
 * examples/ end to end with real containers and the real OpenTelemetry SDK:
 * - `clnrm run examples` passes: the orders service over a real PostgreSQL (server spans with
 *   http.route, pg client spans under them, one trace from the client container), the SDK's
 *   gRPC exporter, and NDJSON spans on stdout. Mutations caught: a receiver that drops gRPC or
 *   stdout spans (sources), validation that passes without spans (span names checked), a
 *   service whose spans do not join the client's trace (parent of the server span).
 * - the bug switch, in a copy written by `clnrm init --example orders`: the N+1 read fails on
 *   expect.counts.by_name[pg.query:SELECT*] and names the five query spans. Mutations caught:
 *   a count that ignores its bound, a failure without its spans, an init that copies an
 *   example that cannot run.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { dockerSkip, PROJECT_ROOT, runCli, tmpDir } from "../helpers/env.js";

const EXAMPLE_DEPS = path.join(PROJECT_ROOT, "examples/orders-service/node_modules");
const hasPostgres =
  spawnSync("/usr/bin/docker", ["image", "inspect", "clnrm/postgres:15"], { stdio: "ignore" })
    .status === 0;
const skip =
  dockerSkip ||
  (!fs.existsSync(EXAMPLE_DEPS) || !hasPostgres
    ? "examples not set up (run `npm run setup`: example npm dependencies, clnrm/postgres:15)"
    : false);

describe("examples (real containers, real SDK, real PostgreSQL)", { skip }, () => {
  it("`clnrm run examples` passes, proven by the spans of each example", async () => {
    const dir = tmpDir();
    const json = path.join(dir, "r.json");
    const r = await runCli(["run", "--no-cache", "--report-json", json, "examples"], {
      timeoutMs: 150_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const tests = JSON.parse(fs.readFileSync(json, "utf8")).tests as {
      name: string;
      verdict: string;
      telemetry: { sources: Record<string, number> };
      counts: { spans: number };
    }[];
    const by = new Map(tests.map((t) => [t.name, t]));
    assert.deepEqual([...by.keys()].sort(), [
      "orders_service",
      "otlp_grpc_inventory",
      "stdout_ndjson_export",
    ]);
    for (const t of tests) assert.equal(t.verdict, "pass", t.name);
    assert.ok((by.get("orders_service")!.telemetry.sources["otlp-http"] ?? 0) >= 9);
    assert.equal(by.get("otlp_grpc_inventory")!.telemetry.sources["otlp-grpc"], 3);
    assert.equal(by.get("stdout_ndjson_export")!.telemetry.sources.stdout, 3);
    assert.match(r.stdout, /PASS orders_service/);
  });

  it("the bug switch (N+1 read) fails on the query count and names the queries", async () => {
    const dir = path.join(tmpDir(), "shop");
    const init = await runCli(["init", "--example", "orders", "-d", dir]);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    assert.match(init.stdout, /npm dependencies: copied/);
    assert.ok(fs.existsSync(path.join(dir, "orders.clnrm.toml")));
    const json = path.join(dir, "bug.json");
    const r = await runCli(
      ["run", "--no-cache", "-m", "bug=n_plus_one", "--report-json", json, dir],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const t = JSON.parse(fs.readFileSync(json, "utf8")).tests[0];
    assert.equal(t.first_failure.rule, "expect.counts.by_name[pg.query:SELECT*]");
    assert.equal(t.first_failure.spans.length, 5);
    assert.match(r.stdout, /expect\.counts\.by_name\[pg\.query:SELECT\*\].* is 5, expected ≤ 1/);
    assert.match(r.stdout, /spans: +pg\.query:SELECT orders \[/);
    // Everything else held: the service and the client really ran and exported.
    const rules = (t.findings as { rule: string }[]).map((f) => f.rule);
    assert.deepEqual(rules, ["expect.counts.by_name[pg.query:SELECT*]"]);
    const spans = t.scenarios[0].steps[0];
    assert.equal(spans.exit_code, 0);
  });
});
