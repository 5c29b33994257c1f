/**
 * What the real-application examples needed from clnrm, without Docker:
 * - a relative volume host_path resolves against the test file's folder
 *   (mutation caught: resolving against the cwd, or keeping the path as written);
 * - peers named by an address inside the test network's subnet count as the test's own
 *   (instrumentations record `network.peer.address` as an IP; mutation caught: ignoring CIDR
 *   entries, or letting every private address through);
 * - a failing count lists the spans it counted (mutation caught: dropping spanIds).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { loadTestSource } from "../../src/config/load.js";
import { validateExpectations } from "../../src/validate/index.js";
import type { Span } from "../../src/telemetry/span.js";

const span = (spanId: string, name: string, attributes: Span["attributes"] = {}): Span => ({
  traceId: "b".repeat(32),
  spanId,
  name,
  kind: "client",
  startNs: 1_000_000n,
  endNs: 2_000_000n,
  attributes,
  events: [],
  links: [],
  status: { code: "UNSET" },
  resource: {},
  source: "otlp-http",
});

async function load(body: string, file = "/srv/tests/orders/t.clnrm.toml") {
  const scenario = '[[scenario]]\nname = "s"\nservice = "app"\nrun = "true"\n';
  const text = `[meta]\nname = "t"\n${body}\n${scenario}`;
  return (await loadTestSource(text, file, { env: {} })).config;
}

describe("examples support", () => {
  it("resolves a relative volume host_path against the test file's folder", async () => {
    const config = await load(
      '[service.app]\nimage = "x"\nvolumes = [{ host_path = ".", container_path = "/srv" }, ' +
        '{ host_path = "../shared/node_modules", container_path = "/nm" }, ' +
        '{ host_path = "/abs/data", container_path = "/data" }]\n',
    );
    assert.deepEqual(
      config.services[0]!.volumes.map((v) => v.hostPath),
      ["/srv/tests/orders", "/srv/tests/shared/node_modules", path.resolve("/abs/data")],
    );
  });

  it("counts an address in the test network's subnet as one of the test's peers", async () => {
    const config = await load(
      '[service.app]\nimage = "x"\n[expect.hermeticity]\nno_external_services = true\n',
    );
    const spans = [
      span("0000000000000001", "GET", { "network.peer.address": "::ffff:172.22.0.4" }),
      span("0000000000000002", "pg.query", { "network.peer.address": "172.22.0.3" }),
    ];
    const inside = new Set(["app", "172.22.0.1", "172.22.0.0/16"]);
    assert.deepEqual(validateExpectations(config.expect, spans, { allowedHosts: inside }), []);
    // The same trace judged with only the names (no subnet): both peers are foreign.
    const names = new Set(["app", "172.22.0.1"]);
    const bad = validateExpectations(config.expect, spans, { allowedHosts: names });
    assert.deepEqual(
      bad.map((f) => f.actual),
      ["::ffff:172.22.0.4", "172.22.0.3"],
    );
    // An address outside the subnet stays external even with the subnet allowed.
    const outside = [span("0000000000000003", "GET", { "network.peer.address": "10.9.8.7" })];
    const f = validateExpectations(config.expect, outside, { allowedHosts: inside });
    assert.equal(f[0]?.rule, "expect.hermeticity.no_external_services");
    assert.equal(f[0]?.actual, "10.9.8.7");
  });

  it("a failing count names the spans it counted (the N+1 queries)", async () => {
    const config = await load(
      '[service.app]\nimage = "x"\n[expect.counts]\n' +
        'by_name = { "pg.query:SELECT*" = { lte = 1 } }\n',
    );
    const spans = [1, 2, 3].map((i) => span(`000000000000000${i}`, "pg.query:SELECT orders"));
    const [f, ...rest] = validateExpectations(config.expect, spans, { allowedHosts: new Set() });
    assert.equal(rest.length, 0);
    assert.equal(f?.rule, "expect.counts.by_name[pg.query:SELECT*]");
    assert.equal(f?.actual, "3");
    assert.deepEqual(
      f?.spanIds,
      spans.map((s) => s.spanId),
    );
    assert.deepEqual(f?.spanNames, ["pg.query:SELECT orders"]);
  });
});
