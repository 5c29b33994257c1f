// The chaos and hostile-input cases of issue 12, shared by `npm run chaos` / `npm run reliability`
// (scripts/chaos.mjs: the table and docs/reliability.md) and by `npm test` (test/chaos/, run last).
// Each case is performed for real and returns { held, observed }: `held` is the behaviour that
// must hold, `observed` what was seen (a row of the table).
//
// Engine loss: the shared dockerd is never restarted. clnrm talks to the engine through a unix
// socket proxy (DOCKER_HOST) that the case kills mid-run, which is exactly what a client sees
// when the daemon dies (connection reset, then refused). A private second dockerd would need its
// own bridge, iptables rules and a copy of every image, on a machine shared with other runs.
import http from "node:http";
import { createGzip } from "node:zlib";
import path from "node:path";
import { kase, ROOT } from "./chaos-kit.mjs";

export { cases, cleanup } from "./chaos-kit.mjs";

// ---- in-process attacks on the OTLP receiver and the template/regex engines ----
const { startReceiver } = await import(path.join(ROOT, "dist/src/telemetry/receiver.js"));
const { SpanStore } = await import(path.join(ROOT, "dist/src/telemetry/store.js"));
const { TemplateRenderer } = await import(path.join(ROOT, "dist/src/template/render.js"));
const { userRegex } = await import(path.join(ROOT, "dist/src/core/regex.js"));

function post(port, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: "/v1/traces", method: "POST", headers },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on("error", (e) => resolve({ status: 0, text: e.message }));
    if (typeof body === "function") body(req);
    else req.end(body);
  });
}

kase("gzip bomb: 1 GiB of zeros, gzipped", "POST /v1/traces, Content-Encoding: gzip", async () => {
  const gz = createGzip({ level: 1 });
  const parts = [];
  gz.on("data", (d) => parts.push(d));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < 1024; i++)
    if (!gz.write(zeros)) await new Promise((r) => gz.once("drain", r));
  await new Promise((r) => gz.end(r));
  const bomb = Buffer.concat(parts);
  const rcv = await startReceiver(new SpanStore(), "127.0.0.1", 0);
  const before = process.memoryUsage().rss;
  let peak = before;
  const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const r = await post(rcv.port, bomb, {
    "content-encoding": "gzip",
    "content-type": "application/x-protobuf",
  });
  clearInterval(probe);
  await rcv.close();
  const grew = (peak - before) / 1048576;
  return {
    held: r.status === 413 && grew < 200,
    observed:
      `HTTP ${r.status} "${r.text.trim().slice(0, 70)}…"; RSS +${grew.toFixed(0)} MiB ` +
      `(${(bomb.length / 1048576).toFixed(1)} MiB sent)`,
  };
});

kase(
  "oversize OTLP body (64 MiB declared)",
  "POST /v1/traces, Content-Length: 64 MiB",
  async () => {
    const rcv = await startReceiver(new SpanStore(), "127.0.0.1", 0);
    const t0 = Date.now();
    const r = await post(rcv.port, (req) => req.write(Buffer.alloc(1 << 16)), {
      "content-length": 64 << 20,
      "content-type": "application/x-protobuf",
    });
    await rcv.close();
    return {
      held: r.status === 413,
      observed:
        `HTTP ${r.status} after ${Date.now() - t0} ms, before the body was sent: ` +
        `"${r.text.trim().slice(0, 60)}…"`,
    };
  },
);

kase(
  "span flood: 1 000 000 spans into one test",
  "SpanStore.ingest ×1e6 (cap 100 000)",
  async () => {
    const store = new SpanStore();
    const before = process.memoryUsage().rss;
    for (let b = 0; b < 100; b++)
      store.ingest(
        Array.from({ length: 10_000 }, (_, i) => ({
          traceId: "ab".repeat(16),
          spanId: (b * 10_000 + i + 1).toString(16).padStart(16, "0"),
          name: "flood",
          attributes: {},
          events: [],
          resource: {},
          status: { code: "UNSET" },
        })),
      );
    const grew = (process.memoryUsage().rss - before) / 1048576;
    const f = store.limitFinding();
    return {
      held: store.spans.length === 100_000 && /span limit reached/.test(f?.message ?? ""),
      observed:
        `kept ${store.spans.length}, dropped ${store.dropped}; finding ` +
        `"${f?.message.slice(0, 50)}…"; RSS +${grew.toFixed(0)} MiB`,
    };
  },
);

kase(
  "ReDoS: ^(a+)+$ over 30 a's + '!' (and 30 000)",
  'expected_output_regex = "^(a+)+$"',
  async () => {
    const re = userRegex("^(a+)+$", { dotAll: true, multiLine: true });
    const time = (n) => {
      const t0 = performance.now();
      const m = re.test(`${"a".repeat(n)}!`);
      return { m, ms: performance.now() - t0 };
    };
    const a = time(30);
    const b = time(30_000);
    return {
      held: !a.m && !b.m && a.ms < 1000 && b.ms < 2000,
      observed:
        `no match: ${a.ms.toFixed(1)} ms for 30 a's, ${b.ms.toFixed(1)} ms for 30 000 ` +
        `(JS RegExp: ~2^30 steps for 30)`,
    };
  },
);

kase(
  "template escapes: range/cycler/joiner .constructor, __proto__, set/macro tricks",
  'clnrm render t.tera ({{ range.constructor("…")() }}, …)',
  async () => {
    const r = new TemplateRenderer();
    const payloads = [
      '{{ range.constructor("return process.pid")() }}',
      '{{ cycler.constructor("return process.pid")() }}',
      '{{ joiner.constructor("return process.pid")() }}',
      '{{ "".constructor.constructor("return process.pid")() }}',
      '{% set c = "constructor" %}{{ range[c]("return 1")() }}',
      "{% set __proto__ = range %}{{ call }}",
      "{% macro constructor() %}x{% endmacro %}{{ constructor() }}",
      '{{ (x | get(key="constructor") | get(key="constructor"))("return 1")() }}',
    ];
    let refused = 0;
    for (const p of payloads)
      await r.render(p, { env: {}, map: { x: "{}" } }).then(
        () => undefined,
        (e) => (refused += e.kind === "Template" ? 1 : 0),
      );
    return {
      held: refused === payloads.length,
      observed: `${refused}/${payloads.length} refused as Template errors, none ran`,
    };
  },
);

// ---- real containers (chaos-docker-cases.mjs registers them after these) ----
await import("./chaos-docker-cases.mjs");
