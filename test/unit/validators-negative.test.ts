/**
 * Every validator's negative cases, without Docker: each rule fails by its rule id, for the
 * right reason (message), on a trace that violates only that rule; and rules that look at
 * several candidate spans succeed when a later candidate (not the first) satisfies them.
 * Mutations (by hand in src/validate/*) each check was seen to catch:
 * - attrs.any checked like attrs.all (every pair) → the "one of two" case fails to pass;
 *   attrs.any always true → the negative case passes.
 * - events.all checked like events.any → "container.stop missing" passes.
 * - duration_ms: `<` for `<=` at the bounds → min = 40 / max = 40 on a 40 ms span fail.
 * - counts.by_kind ignored → `client eq 2` passes.
 * - window: only outers[0] / inners[0] compared → the "second candidate" case fails;
 *   missing-span branch removed → "outer span … was not received" is not reported.
 * - order: only as[0]/bs[0] compared → the "second candidate" case fails.
 * - status.by_name: a span's status ignored / only the first match checked → passes wrongly.
 * - globToRegExp: `?` as `.*` → "db.que?" matches db.query; `[..]` escaped literally → the
 *   class cases fail; `[!..]` not negated → the negation case fails.
 * - hermeticity hostOf: URL keys not parsed (whole value compared) → http.url to the "db"
 *   service is reported as external; url.full ignored → the external url.full passes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { checkExpectations } from "../../src/runner/run-test.js";
import { findingsOf, rulesOf, smallTrace, span } from "../helpers/trace.js";

const one = async (expect: string, spans = smallTrace()) => {
  const f = await findingsOf(expect, spans);
  assert.equal(f.length, 1, JSON.stringify(f));
  return f[0]!;
};

describe("validators: negative cases", () => {
  it(
    "attrs.any: passes when one pair holds, " + "fails when none does (list and table forms)",
    async () => {
      const on = (any: string) => `[[expect.span]]\nname = "clnrm.run"\nattrs.any = ${any}\n`;
      assert.deepEqual(await rulesOf(on('["result=fail", "count=3"]')), []);
      assert.deepEqual(await rulesOf(on('{ result = "fail", count = "3" }')), []);
      const f = await one(on('["result=fail", "count=4"]'));
      assert.equal(f.rule, "expect.span[clnrm.run].attrs.any");
      assert.match(f.message, /result/);
      assert.deepEqual(await rulesOf(on('{ result = "fail", nope = "x" }')), [
        "expect.span[clnrm.run].attrs.any",
      ]);
    },
  );

  it("events.all: every named event must be on the span", async () => {
    const on = (all: string) => `[[expect.span]]\nname = "clnrm.step:hello"\nevents.all = ${all}\n`;
    assert.deepEqual(await rulesOf(on('["container.start", "container.exec"]')), []);
    const f = await one(on('["container.start", "container.stop"]'));
    assert.equal(f.rule, "expect.span[clnrm.step:hello].events.all");
    assert.match(`${f.message} ${f.actual ?? ""} ${f.expected ?? ""}`, /container\.stop/);
  });

  it("duration_ms: bounds are inclusive; one millisecond outside fails", async () => {
    const on = (d: string) => `[[expect.span]]\nname = "clnrm.step:hello"\nduration_ms = ${d}\n`;
    assert.deepEqual(await rulesOf(on("{ min = 40, max = 40 }")), []);
    for (const d of ["{ min = 41 }", "{ max = 39 }"]) {
      const f = await one(on(d));
      assert.equal(f.rule, "expect.span[clnrm.step:hello].duration_ms");
      assert.match(`${f.message} ${f.actual ?? ""}`, /40/);
    }
  });

  it("counts.by_kind: a kind's count out of range fails, an absent kind counts 0", async () => {
    assert.deepEqual(
      await rulesOf("[expect.counts]\nby_kind = { client = { eq = 1 }, internal = { eq = 3 } }\n"),
      [],
    );
    assert.deepEqual(await rulesOf("[expect.counts]\nby_kind = { client = { eq = 2 } }\n"), [
      "expect.counts.by_kind[client]",
    ]);
    assert.deepEqual(await rulesOf("[expect.counts]\nby_kind = { server = { gte = 1 } }\n"), [
      "expect.counts.by_kind[server]",
    ]);
    assert.deepEqual(await rulesOf("[expect.counts]\nby_kind = { server = { eq = 0 } }\n"), []);
  });

  it(
    "window: a missing outer or inner span " + "is named; a later candidate can satisfy it",
    async () => {
      const w = (outer: string, inner: string) =>
        `[[expect.window]]\nouter = "${outer}"\ncontains = ["${inner}"]\n`;
      let f = await one(w("absent.outer", "db.query"));
      assert.equal(f.rule, "expect.window[absent.outer].contains[db.query]");
      assert.match(f.message, /outer span "absent\.outer" was not received/);
      f = await one(w("clnrm.run", "absent.inner"));
      assert.equal(f.rule, "expect.window[clnrm.run].contains[absent.inner]");
      assert.match(f.message, /inner span "absent\.inner" was not received/);
      // two "job" spans: only the second one contains "work"; two "work" spans: only the second
      // one lies inside a job
      const spans = [
        span("0000000000000011", "job", undefined, 0, 10),
        span("0000000000000012", "job", undefined, 100, 200),
        span("0000000000000013", "work", undefined, 50, 60),
        span("0000000000000014", "work", undefined, 150, 160),
      ];
      assert.deepEqual(await rulesOf(w("job", "work"), spans), []);
      assert.deepEqual(await rulesOf(w("job", "work"), spans.slice(0, 3)), [
        "expect.window[job].contains[work]",
      ]);
    },
  );

  it(
    "order: a later candidate A can " + "satisfy must_precede; every B needs one (issue 10)",
    async () => {
      const spans = [
        span("0000000000000021", "a", undefined, 50, 70),
        span("0000000000000022", "a", undefined, 0, 10),
        span("0000000000000023", "b", undefined, 40, 45),
        span("0000000000000024", "b", undefined, 5, 8),
      ];
      const o = '[expect.order]\nmust_precede = [["a", "b"]]\n';
      // the second "a" (ends at 10) precedes the "b" at 40
      assert.deepEqual(await rulesOf(o, spans.slice(0, 3)), []);
      // the "b" at 5 has no "a" that ended before it: one unordered pair fails the rule
      assert.deepEqual(await rulesOf(o, spans), ["expect.order.must_precede[a→b]"]);
      const f = await one(o, [spans[0]!, spans[1]!, spans[3]!]);
      assert.equal(f.rule, "expect.order.must_precede[a→b]");
      assert.match(
        f.message,
        /1 of 1 "b" span\(s\) have no "a" span that ended before they started/,
      );
      const follow = '[expect.order]\nmust_follow = [["b", "a"]]\n';
      assert.deepEqual(await rulesOf(follow, spans.slice(0, 3)), []);
      assert.match(
        (await one('[expect.order]\nmust_precede = [["a", "absent"]]\n', spans)).message,
        /later span "absent" was not received/,
      );
    },
  );

  it(
    "status.by_name: every span a glob " + "matches must have the status, not only the first",
    async () => {
      const spans = smallTrace({ "db.query": { status: { code: "ERROR", message: "boom" } } });
      const f = await one('[expect.status]\nby_name = { "*" = "OK" }\n', spans);
      assert.equal(f.rule, "expect.status.by_name[*]");
      assert.match(f.message, /db\.query=ERROR \(boom\)/);
      assert.deepEqual(
        await rulesOf('[expect.status]\nby_name = { "db.*" = "ERROR" }\n', spans),
        [],
      );
      assert.deepEqual(
        await rulesOf('[expect.status]\nby_name = { "clnrm.*" = "OK" }\n', spans),
        [],
      );
    },
  );

  it("globs: ? is exactly one character, [..] a class, [!..] its negation", async () => {
    const n = (glob: string, eq: number) =>
      rulesOf(`[expect.counts]\nby_name = { "${glob}" = { eq = ${eq} } }\n`);
    assert.deepEqual(await n("db.quer?", 1), []);
    assert.deepEqual(await n("db.que?", 0), []);
    assert.deepEqual(await n("db.que?", 1), ["expect.counts.by_name[db.que?]"]);
    assert.deepEqual(await n("clnrm.[rs]un", 1), []);
    assert.deepEqual(await n("clnrm.[!r]un", 0), []);
    assert.deepEqual(await n("clnrm.[!s]un", 1), []);
    assert.deepEqual(await n("clnrm.step:[a-h]ello", 1), []);
    assert.deepEqual(await n("clnrm.step:[i-z]ello", 1), [
      "expect.counts.by_name[clnrm.step:[i-z]ello]",
    ]);
  });

  it(
    "hermeticity: hosts inside http.url and url.full are " +
      "peers; the test's services and loopback are not external",
    async () => {
      const h = "[expect.hermeticity]\nno_external_services = true\n";
      const withUrl = (key: string, url: string) =>
        smallTrace({ "db.query": { attributes: { [key]: url } } });
      for (const [key, url] of [
        ["http.url", "http://db:5432/query?x=1"],
        ["net.peer.ip", "127.0.0.53"],
        ["url.full", "https://127.0.0.1:8443/a"],
        ["url.full", "http://[::1]:8080/"],
        ["http.url", "http://localhost/"],
      ] as const)
        assert.deepEqual(await rulesOf(h, withUrl(key, url)), [], `${key}=${url}`);
      for (const [key, url, host] of [
        ["http.url", "http://payments.internal:8080/charge", "payments.internal"],
        ["url.full", "https://db.elsewhere.test/x", "db.elsewhere.test"],
        // a host name that starts like a loopback address is not one (was a prefix match)
        ["http.url", "https://127.attacker.example/exfil", "127.attacker.example"],
        ["net.peer.name", "127.0.0.1.nip.io", "127.0.0.1.nip.io"],
      ] as const) {
        const f = await one(h, withUrl(key, url));
        assert.equal(f.rule, "expect.hermeticity.no_external_services");
        assert.equal(f.actual, host);
        assert.match(f.message, new RegExp(`talks to "${host.replace(/\./g, "\\.")}" \\(${key}=`));
      }
    },
  );

  // Mutation caught: the gateway allowed as a bare host again (the old wiring) → the database
  // on the host (gateway:5432) passes as inside the test.
  it("hermeticity: the gateway is inside only as the receiver (its port)", async () => {
    const { config } = await loadTestSource(
      '[meta]\nname = "t"\n[[scenario]]\nname = "s"\nrun = "true"\n' +
        "[expect.hermeticity]\nno_external_services = true\n",
      "h.clnrm.toml",
      { env: {} },
    );
    const net = { gateway: "172.30.0.1", subnet: "172.30.0.0/16", receiverPorts: [41234] };
    const peer = (attributes: Record<string, string | number>) =>
      checkExpectations(config, smallTrace({ "db.query": { attributes } }), net).map(
        (f) => f.actual,
      );
    assert.deepEqual(peer({ "server.address": "172.30.0.1", "server.port": 5432 }), ["172.30.0.1"]);
    assert.deepEqual(peer({ "http.url": "http://172.30.0.1:5432/" }), ["172.30.0.1"]);
    assert.deepEqual(peer({ "net.peer.name": "172.30.0.1" }), ["172.30.0.1"], "no port: outside");
    assert.deepEqual(peer({ "url.full": "http://172.30.0.1:41234/v1/traces" }), []);
    assert.deepEqual(peer({ "server.address": "172.30.0.1", "server.port": 41234 }), []);
    assert.deepEqual(peer({ "net.peer.ip": "172.30.0.7" }), [], "a container of the test");
    const mapped = { "server.address": "::ffff:172.30.0.1", "server.port": 5432 };
    assert.deepEqual(peer(mapped), ["::ffff:172.30.0.1"], "IPv4-mapped: the same host");
    assert.deepEqual(peer({ "network.peer.address": "::1" }), [], "bare IPv6 loopback");
    assert.deepEqual(peer({ "network.peer.address": "fd00::5" }), ["fd00::5"]);
    // a server span's peer is its caller: clnrm's readiness probes come from the gateway
    const probed = smallTrace({
      "db.query": { kind: "server", attributes: { "net.peer.ip": "172.30.0.1" } },
    });
    assert.deepEqual(checkExpectations(config, probed, net), []);
  });

  // Mutation caught: spans indexed by span id alone (the old TraceIndex) → the child in another
  // trace satisfies parent = "p".
  it("a parent link is within one trace: the same id in another trace is no parent", async () => {
    const p = span("00000000000000aa", "p", undefined, 0, 10);
    const child = (traceId: string) =>
      span("00000000000000bb", "c", "00000000000000aa", 1, 2, { traceId });
    const expect = '[[expect.span]]\nname = "c"\nparent = "p"\n';
    assert.deepEqual(await rulesOf(expect, [p, child("a".repeat(32))]), []);
    assert.deepEqual(await rulesOf(expect, [p, child("b".repeat(32))]), ["expect.span[c].parent"]);
  });

  // Mutation caught: the cycle walk's `done` keyed by span id (the old findCycle) → the span of
  // trace B with id 01 marks trace A's 01 as done and the A cycle is missed.
  it("acyclic: a span id reused in another trace does not hide a cycle", async () => {
    const b = "b".repeat(32);
    const spans = [
      span("0000000000000001", "other", undefined, 0, 1, { traceId: b }),
      span("0000000000000001", "x", "0000000000000002", 0, 1),
      span("0000000000000002", "y", "0000000000000001", 0, 1),
    ];
    assert.deepEqual(await rulesOf("[expect.graph]\nacyclic = true\n", spans), [
      "expect.graph.acyclic",
    ]);
  });
});
