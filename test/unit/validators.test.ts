import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { validateExpectations } from "../../src/validate/index.js";
import type { Span } from "../../src/telemetry/span.js";
import { traceDigest } from "../../src/telemetry/normalize.js";

/** A small trace: root → step:hello → {registry, exec}; exec has an error status and a peer. */
function trace(over: Partial<Record<string, Partial<Span>>> = {}): Span[] {
  const mk = (
    spanId: string,
    name: string,
    parent: string | undefined,
    start: number,
    end: number,
    extra: Partial<Span> = {},
  ): Span => ({
    traceId: "a".repeat(32),
    spanId,
    parentSpanId: parent,
    name,
    kind: "internal",
    startNs: BigInt(start) * 1_000_000n,
    endNs: BigInt(end) * 1_000_000n,
    attributes: {},
    events: [],
    links: [],
    status: { code: "OK" },
    resource: { "service.name": "app", env: "ci", "host.name": "here" },
    source: "test",
    ...extra,
    ...(over[name] ?? {}),
  });
  return [
    mk("0000000000000001", "clnrm.run", undefined, 0, 100, {
      attributes: { result: "pass", count: 3 },
    }),
    mk("0000000000000002", "clnrm.step:hello", "0000000000000001", 10, 50, {
      attributes: { "step.name": "hello" },
      events: [
        { name: "container.start", attributes: {} },
        { name: "container.exec", attributes: {} },
      ],
    }),
    mk("0000000000000003", "clnrm.plugin.registry", "0000000000000001", 1, 5),
    mk("0000000000000004", "db.query", "0000000000000002", 20, 30, {
      kind: "client",
      attributes: { "server.address": "db" },
    }),
  ];
}

async function findings(
  expect: string,
  spans: Span[] = trace(),
  services = '[service.db]\nimage = "x"\n',
): Promise<string[]> {
  const { config } = await loadTestSource(
    `[meta]\nname = "t"\n${services}[[scenario]]\nname = "s"\nrun = "true"\n${expect}`,
    "v.clnrm.toml",
    { env: {} },
  );
  return validateExpectations(config.expect, spans, {
    allowedHosts: new Set(config.services.map((s) => s.id)),
  }).map((f) => f.rule);
}

describe("validators: each passes on a good trace and fails by rule id on a bad one", () => {
  it("expect.span: existence, kind, parent, attrs, events, duration", async () => {
    const good =
      '[[expect.span]]\nname = "clnrm.step:hello"\nparent = "clnrm.run"\nkind = "internal"\n' +
      'attrs.all = { "step.name" = "hello" }\nattrs.any = ["status=ok", "step.name=hello"]\n' +
      'events.all = ["container.start"]\nevents.any = ["container.stop", "container.exec"]\n' +
      'duration_ms = { min = 30, max = 50 }\n[[expect.span]]\nname = "clnrm.run"\n' +
      'attrs.all = { result = "pass", count = "3" }\n';
    assert.deepEqual(await findings(good), []);
    assert.deepEqual(await findings('[[expect.span]]\nname = "missing"\n'), [
      "expect.span[missing].existence",
    ]);
    assert.deepEqual(await findings('[[expect.span]]\nname = "db.query"\nkind = "server"\n'), [
      "expect.span[db.query].kind",
    ]);
    assert.deepEqual(await findings('[[expect.span]]\nname = "db.query"\nparent = "clnrm.run"\n'), [
      "expect.span[db.query].parent",
    ]);
    assert.deepEqual(
      await findings('[[expect.span]]\nname = "clnrm.run"\nattrs.all = { result = "fail" }\n'),
      ["expect.span[clnrm.run].attrs.all"],
    );
    assert.deepEqual(await findings('[[expect.span]]\nname = "clnrm.run"\nevents.any = ["x"]\n'), [
      "expect.span[clnrm.run].events.any",
    ]);
    assert.deepEqual(
      await findings('[[expect.span]]\nname = "clnrm.run"\nduration_ms = { max = 10 }\n'),
      ["expect.span[clnrm.run].duration_ms"],
    );
  });

  it("expect.span considers every span with the name, not only the first", async () => {
    const spans = [
      ...trace(),
      { ...trace()[0]!, spanId: "0000000000000009", attributes: { result: "fail" } },
    ];
    spans.unshift(spans.pop()!);
    assert.deepEqual(
      await findings(
        '[[expect.span]]\nname = "clnrm.run"\nattrs.all = { result = "pass" }\n',
        spans,
      ),
      [],
    );
  });

  it("expect.graph: must_include, must_not_cross (transitive), acyclic", async () => {
    assert.deepEqual(
      await findings(
        '[expect.graph]\nmust_include = [["clnrm.run", "clnrm.step:hello"]]\n' +
          'must_not_cross = [["clnrm.plugin.registry", "db.query"]]\nacyclic = true\n',
      ),
      [],
    );
    assert.deepEqual(
      await findings(
        '[expect.graph]\nmust_include = [["clnrm.plugin.registry", "clnrm.step:hello"]]\n',
      ),
      ["expect.graph.must_include[clnrm.plugin.registry→clnrm.step:hello]"],
    );
    assert.deepEqual(
      await findings('[expect.graph]\nmust_not_cross = [["clnrm.run", "db.query"]]\n'),
      ["expect.graph.must_not_cross[clnrm.run→db.query]"],
    );
    const cyclic = trace({ "clnrm.run": { parentSpanId: "0000000000000004" } });
    assert.deepEqual(await findings("[expect.graph]\nacyclic = true\n", cyclic), [
      "expect.graph.acyclic",
    ]);
  });

  it("expect.counts: totals from spans, events arrays and status; by_name globs", async () => {
    assert.deepEqual(
      await findings(
        "[expect.counts]\nspans_total = { eq = 4 }\nevents_total = { gte = 2 }\n" +
          'errors_total = { eq = 0 }\nby_name = { "clnrm.*" = { eq = 3 } }\n' +
          "by_kind = { client = { eq = 1 } }\n",
      ),
      [],
    );
    assert.deepEqual(await findings("[expect.counts]\nspans_total = { lte = 3 }\n"), [
      "expect.counts.spans_total",
    ]);
    assert.deepEqual(await findings("[expect.counts]\nevents_total = { gte = 3 }\n"), [
      "expect.counts.events_total",
    ]);
    assert.deepEqual(
      await findings(
        "[expect.counts]\nerrors_total = { eq = 0 }\n",
        trace({ "db.query": { status: { code: "ERROR" } } }),
      ),
      ["expect.counts.errors_total"],
    );
    assert.deepEqual(
      await findings('[expect.counts]\nby_name = { "clnrm.step:*" = { gte = 2 } }\n'),
      ["expect.counts.by_name[clnrm.step:*]"],
    );
  });

  it("expect.window: containment", async () => {
    assert.deepEqual(
      await findings(
        '[[expect.window]]\nouter = "clnrm.run"\ncontains = ["clnrm.step:hello", "db.query"]\n',
      ),
      [],
    );
    assert.deepEqual(
      await findings(
        '[[expect.window]]\nouter = "clnrm.step:hello"\ncontains = ["clnrm.plugin.registry"]\n',
      ),
      ["expect.window[clnrm.step:hello].contains[clnrm.plugin.registry]"],
    );
  });

  it("expect.order: must_precede and must_follow", async () => {
    assert.deepEqual(
      await findings(
        '[expect.order]\nmust_precede = [["clnrm.plugin.registry", "clnrm.step:hello"]]\n' +
          'must_follow = [["db.query", "clnrm.plugin.registry"]]\n',
      ),
      [],
    );
    assert.deepEqual(
      await findings(
        '[expect.order]\nmust_precede = [["clnrm.step:hello", "clnrm.plugin.registry"]]\n',
      ),
      ["expect.order.must_precede[clnrm.step:hello→clnrm.plugin.registry]"],
    );
    assert.deepEqual(
      await findings('[expect.order]\nmust_follow = [["clnrm.plugin.registry", "db.query"]]\n'),
      ["expect.order.must_follow[clnrm.plugin.registry→db.query]"],
    );
  });

  it("expect.status: from the span status, all and by_name globs", async () => {
    assert.deepEqual(
      await findings('[expect.status]\nall = "ok"\nby_name = { "clnrm.*" = "OK" }\n'),
      [],
    );
    const bad = trace({
      "db.query": { status: { code: "ERROR", message: "boom" } },
      "clnrm.run": { attributes: { "otel.status_code": "ERROR" } },
    });
    assert.deepEqual(
      await findings(
        '[expect.status]\nall = "OK"\nby_name = { "clnrm.*" = "OK", "db.*" = "ERROR" }\n',
        bad,
      ),
      ["expect.status.all"],
    );
    assert.deepEqual(await findings('[expect.status]\nby_name = { "nothing.*" = "OK" }\n'), [
      "expect.status.by_name[nothing.*]",
    ]);
  });

  it("expect.hermeticity: external peers, real resource attributes, forbidden keys", async () => {
    assert.deepEqual(
      await findings(
        "[expect.hermeticity]\nno_external_services = true\n" +
          'resource_attrs.must_match = { "service.name" = "app" }\n' +
          'span_attrs.forbid_keys = ["http.url"]\n',
      ),
      [],
    );
    const ext = trace({ "db.query": { attributes: { "server.address": "db.internal.corp" } } });
    assert.deepEqual(await findings("[expect.hermeticity]\nno_external_services = true\n", ext), [
      "expect.hermeticity.no_external_services",
    ]);
    assert.deepEqual(
      await findings('[expect.hermeticity]\nresource_attrs.must_match = { env = "prod" }\n'),
      ["expect.hermeticity.resource_attrs.must_match[env]"],
    );
    assert.deepEqual(
      await findings('[expect.hermeticity]\nspan_attrs.forbid_keys = ["server.address"]\n'),
      ["expect.hermeticity.span_attrs.forbid_keys[server.address]"],
    );
  });

  it("no spans at all: existence fails first, then no_spans_collected", async () => {
    assert.deepEqual(await findings('[[expect.span]]\nname = "clnrm.run"\n', []), [
      "expect.span[clnrm.run].existence",
      "expect.span.no_spans_collected",
    ]);
    assert.deepEqual(await findings("[expect.counts]\nspans_total = { lte = 5 }\n", []), [
      "expect.counts.no_spans_collected",
    ]);
  });
});

describe("normalized digest", () => {
  it("is stable under reordering and new ids, and changes when a span changes", () => {
    const a = trace();
    const reid = (s: Span, i: string): Span => ({
      ...s,
      spanId: s.spanId.replace(/^0+/, i),
      parentSpanId: s.parentSpanId?.replace(/^0+/, i),
    });
    const b = [...a].reverse().map((s) => reid(s, "ff"));
    assert.equal(traceDigest(a), traceDigest(b));
    assert.notEqual(
      traceDigest(a),
      traceDigest(trace({ "db.query": { attributes: { "server.address": "other" } } })),
    );
    assert.notEqual(traceDigest(a), traceDigest(a.slice(1)));
    const shifted = a.map((s) => ({
      ...s,
      startNs: s.startNs! + 5_000_000n,
      endNs: s.endNs! + 9_000_000n,
      resource: { ...s.resource, "host.name": "elsewhere" },
    }));
    assert.equal(traceDigest(a), traceDigest(shifted));
  });
});
