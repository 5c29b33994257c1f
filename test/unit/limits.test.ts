/**
 * Resource limits with clear findings (issue 12), on loopback without Docker.
 * Mutations caught: going back to reading a body whole then destroying the socket (no 413, the
 * client sees a reset); gunzip without maxOutputLength (the bomb inflates to 1 GiB: RSS jumps and
 * the answer is 200/400, not 413); a SpanStore without its cap (no finding, spans grow).
 * Re-checked 2026-12-02 on the built code: `if (declared > maxBody)` removed fails "answers 413
 * ... before reading it"; gunzipSync without maxOutputLength fails "refuses a gzip bomb"; the
 * store's `items.length >= limit` check removed fails "keeps at most the limit".
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createGzip } from "node:zlib";
import { startReceiver } from "../../src/telemetry/receiver.js";
import { SpanStore } from "../../src/telemetry/store.js";
import type { Span } from "../../src/telemetry/span.js";

function post(
  port: number,
  body: Buffer | ((req: http.ClientRequest) => void),
  headers: Record<string, string | number> = {},
): Promise<{ status: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/traces",
        method: "POST",
        headers: { "content-type": "application/x-protobuf", ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", (e) => resolve({ status: 0, text: "", error: e.message }));
    if (Buffer.isBuffer(body)) req.end(body);
    else body(req);
  });
}

async function gzipBomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: 1 });
  const out: Buffer[] = [];
  gz.on("data", (d: Buffer) => out.push(d));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once("drain", r));
  await new Promise((r) => gz.end(r));
  return Buffer.concat(out);
}

describe("OTLP receiver limits", () => {
  it("answers 413 with a message to a declared oversize body, before reading it", async () => {
    const store = new SpanStore();
    const rcv = await startReceiver(store, "127.0.0.1", 0, { maxBodyBytes: 1024 * 1024 });
    try {
      const r = await post(
        rcv.port,
        (req) => {
          req.write(Buffer.alloc(64 * 1024)); // 64 KiB of a declared 25 MiB: never sent whole
        },
        { "content-length": 25 * 1024 * 1024 },
      );
      assert.equal(r.status, 413, JSON.stringify(r));
      assert.match(r.text, /OTLP request body of 25 MiB exceeds the 1 MiB limit/);
      assert.equal(rcv.rejected, 1);
      assert.match(rcv.lastRejection ?? "", /^HTTP 413/);
    } finally {
      await rcv.close();
    }
  });

  it("answers 413 to a chunked body once it passes the limit", async () => {
    const rcv = await startReceiver(new SpanStore(), "127.0.0.1", 0, { maxBodyBytes: 256 * 1024 });
    try {
      const r = await post(rcv.port, (req) => {
        for (let i = 0; i < 8; i++) req.write(Buffer.alloc(64 * 1024));
        req.end();
      });
      assert.equal(r.status, 413, JSON.stringify(r));
      assert.match(r.text, /exceeds the 0\.25 MiB limit/);
    } finally {
      await rcv.close();
    }
  });

  it("refuses a gzip bomb (256 MiB of zeros) with 413 without inflating it", async () => {
    const bomb = await gzipBomb(256); // 256 MiB of zeros, built 1 MiB at a time
    assert.ok(bomb.length < 2 * 1024 * 1024);
    const rcv = await startReceiver(new SpanStore(), "127.0.0.1", 0);
    try {
      const before = process.memoryUsage().rss;
      const r = await post(rcv.port, bomb, { "content-encoding": "gzip" });
      const grew = process.memoryUsage().rss - before;
      assert.equal(r.status, 413, r.text);
      assert.match(r.text, /gzip body inflates past the 64 MiB limit/);
      assert.ok(grew < 300 * 1024 * 1024, `RSS grew by ${(grew / 1048576).toFixed(0)} MiB`);
    } finally {
      await rcv.close();
    }
  });
});

describe("span store cap", () => {
  const span = (i: number): Span =>
    ({ traceId: "t".repeat(32), spanId: i.toString(16).padStart(16, "0"), name: `s${i}` }) as Span;
  it("keeps at most the limit and reports 'span limit reached'", () => {
    const store = new SpanStore(5);
    store.ingest(Array.from({ length: 12 }, (_, i) => span(i)));
    assert.equal(store.spans.length, 5);
    assert.equal(store.dropped, 7);
    const f = store.limitFinding();
    assert.equal(f?.rule, "limits.max_spans");
    assert.match(f?.message ?? "", /span limit reached: kept 5 spans, dropped 7 more/);
    assert.equal(new SpanStore(5).limitFinding(), undefined);
  });
});
