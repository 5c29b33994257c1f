/**
 * The OTLP receiver that runs inside the sidecar container (`--receiver sidecar`), as the source
 * text of a script for `node -e`. It decodes nothing: it takes each OTLP/HTTP request body (and
 * each OTLP/gRPC message) and writes it, base64, as one NDJSON record on its stdout, which clnrm
 * reads back through the engine's log stream (sidecar-ingest.ts decodes it with the very decoder
 * the host receiver uses, so limits and normalization stay in one place).
 *
 * Why a dependency-free script passed on the command line: the sidecar exists for engines whose
 * containers cannot reach the host, which are also the engines where a bind mount of clnrm's
 * dist/ and node_modules/ does not exist (remote DOCKER_HOST, Docker Desktop); an argv needs no
 * copy step and works with any image that has `node` on its PATH. The OTLP/gRPC part is a few
 * lines of HTTP/2 framing (unary call, 5-byte message prefix) for the same reason: @grpc/grpc-js
 * is not there to load.
 *
 * Records (one JSON object a line, `t` is the type):
 * - `ready` once both ports listen;
 * - `begin` when a request arrives (clnrm counts it in flight until the request's last record);
 * - `req` (HTTP body: `ct`, `ce`, `b`), `grpc` (one message: `ce`, `b`), `big` (body over the
 *   limit, answered 413 / RESOURCE_EXHAUSTED; `seen` describes its size), `gone` (the sender
 *   went away mid-body);
 * - `foreign` (`from`: a sender outside the test network, or the host at the gateway address,
 *   answered 403 / PERMISSION_DENIED without reading it: not the test's own software);
 * - `end` on SIGTERM, once the servers are closed and every request was written: nothing follows.
 * A record is written (synchronously: stdout is a pipe) before its request is answered, so an
 * exporter that saw its export acknowledged has its spans in the stream.
 */

import { SIDECAR_RECEIVER_ALIAS } from "../config/build-checks.js";

/** The network alias the test's containers reach the sidecar by (a reserved service name). */
export const SIDECAR_ALIAS = SIDECAR_RECEIVER_ALIAS;
export const SIDECAR_HTTP_PORT = 4318;
export const SIDECAR_GRPC_PORT = 4317;

/**
 * The script; configured by CLNRM_MAX_BODY (bytes), CLNRM_HTTP_PORT, CLNRM_GRPC_PORT, and
 * CLNRM_ALLOW_FROM / CLNRM_GATEWAY (the test network's subnet and its gateway, the host).
 */
export const SIDECAR_SCRIPT = String.raw`
"use strict";
const http = require("node:http");
const http2 = require("node:http2");
const env = process.env;
const MAX = Number(env.CLNRM_MAX_BODY || 20971520);
// Not process.stdout: on Linux its writes to a pipe are synchronous, so an engine slow to read
// the container's output would stall the whole receiver (no answer to the SDK, which times out).
// A write stream on fd 1 writes from libuv's thread pool; records queue and keep their order.
const sink = require("node:fs").createWriteStream("/dev/stdout", { fd: 1 });
const out = (r) => sink.write(JSON.stringify(r) + "\n");
let ended = false;
const finish = (r) => {
  if (ended) return;
  ended = true;
  sink.end(JSON.stringify(r) + "\n", () => process.exit(0));
};
const mib = (n) => (n / 1048576).toFixed(n < 1048576 ? 2 : 0) + " MiB";
let seq = 0;
let stopping = false;
const GRPC_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
// Only the test's containers: an address in its subnet that is not the gateway (the host, or a
// host-network container, reaches the sidecar from there).
const net = require("node:net");
const range = new net.BlockList();
const [rangeNet, rangeBits] = String(env.CLNRM_ALLOW_FROM || "").split("/");
const checked = net.isIP(rangeNet || "") === 4 && rangeBits !== undefined;
if (checked) range.addSubnet(rangeNet, Number(rangeBits), "ipv4");
const foreign = (socket) => {
  const from = String(socket.remoteAddress || "?");
  if (!checked) return false;
  const ok = net.isIP(from) !== 0 && from.replace(/^::ffff:/, "") !== env.CLNRM_GATEWAY &&
    range.check(from, net.isIP(from) === 4 ? "ipv4" : "ipv6");
  if (!ok) out({ t: "foreign", from });
  return !ok;
};

const web = http.createServer((req, res) => {
  if (req.method !== "POST" || !String(req.url).startsWith("/v1/traces")) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("clnrm receives OTLP traces at POST /v1/traces\n");
    return;
  }
  if (foreign(req.socket)) {
    req.resume();
    res.writeHead(403, { "content-type": "text/plain", connection: "close" });
    res.end("clnrm: OTLP refused: this receiver takes spans only from its test's containers\n");
    return;
  }
  const id = ++seq;
  out({ t: "begin", id });
  const ct = String(req.headers["content-type"] || "application/x-protobuf");
  const big = (seen) => {
    out({ t: "big", id, seen });
    res.writeHead(413, { "content-type": "text/plain", connection: "close" });
    res.end("clnrm: OTLP request body " + seen + " exceeds the " + mib(MAX) + " limit\n");
    setTimeout(() => req.socket.destroy(), 2000).unref();
  };
  const chunks = [];
  let size = 0;
  let over = false;
  let done = false;
  req.on("close", () => {
    if (!done && !over) out({ t: "gone", id });
  });
  const declared = Number(req.headers["content-length"]);
  if (declared > MAX) {
    over = true;
    big("of " + mib(declared));
    req.resume();
    return;
  }
  req.on("data", (c) => {
    size += c.length;
    if (size <= MAX) chunks.push(c);
    else if (!over) {
      over = true;
      chunks.length = 0;
      big("of more than " + mib(MAX));
    }
  });
  req.on("end", () => {
    done = true;
    if (over) return;
    const b = Buffer.concat(chunks).toString("base64");
    out({ t: "req", id, ct, ce: req.headers["content-encoding"] || null, b });
    // once stopping, the connection is not kept alive: the server can close when this is sent
    const h = stopping ? { connection: "close" } : {};
    if (ct.includes("json")) res.writeHead(200, { "content-type": "application/json", ...h });
    else res.writeHead(200, { "content-type": "application/x-protobuf", ...h });
    res.end(ct.includes("json") ? "{}" : undefined);
  });
});
web.keepAliveTimeout = 5000;

const rpc = http2.createServer();
const sessions = new Set();
rpc.on("session", (s) => {
  sessions.add(s);
  s.on("close", () => sessions.delete(s));
});
rpc.on("stream", (stream, headers) => {
  if (headers[":path"] !== GRPC_PATH) {
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" },
      { endStream: true });
    return;
  }
  if (foreign(stream.session.socket)) {
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "7",
      "grpc-message": "clnrm: OTLP refused: only the test's containers" }, { endStream: true });
    return;
  }
  const id = ++seq;
  out({ t: "begin", id });
  const chunks = [];
  let size = 0;
  let over = false;
  let done = false;
  stream.on("data", (c) => {
    size += c.length;
    if (size <= MAX + 5) chunks.push(c);
    else if (!over) {
      over = true;
      chunks.length = 0;
      out({ t: "big", id, seen: "of more than " + mib(MAX) });
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "8",
        "grpc-message": "clnrm: OTLP message exceeds the limit" }, { endStream: true });
    }
  });
  stream.on("end", () => {
    done = true;
    if (over) return;
    const all = Buffer.concat(chunks);
    const ce = headers["grpc-encoding"] && headers["grpc-encoding"] !== "identity"
      ? headers["grpc-encoding"] : null;
    // length-prefixed messages: 1 byte "compressed", 4 bytes length (big-endian), the message
    for (let at = 0; at + 5 <= all.length; ) {
      const len = all.readUInt32BE(at + 1);
      const b = all.subarray(at + 5, at + 5 + len).toString("base64");
      out({ t: "grpc", id, ce: all[at] === 1 ? ce : null, b });
      at += 5 + len;
    }
    if (all.length < 5) out({ t: "grpc", id, ce: null, b: "" });
    stream.respond({ ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.alloc(5));
  });
  stream.on("close", () => {
    if (!done && !over) out({ t: "gone", id });
  });
  stream.on("error", () => undefined);
});

let waiting = 2;
const listening = () => {
  if (--waiting === 0) out({ t: "ready", http: web.address().port, grpc: rpc.address().port });
};
web.listen(Number(env.CLNRM_HTTP_PORT || 4318), "0.0.0.0", listening);
rpc.listen(Number(env.CLNRM_GRPC_PORT || 4317), "0.0.0.0", listening);

process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  let open = 2;
  const closed = () => {
    if (--open === 0) {
      finish({ t: "end" });
    }
  };
  // Requests being received are finished (and written) first; idle keep-alive sockets go now.
  web.close(closed);
  web.closeIdleConnections();
  rpc.close(closed);
  for (const s of sessions) s.close();
  setTimeout(() => {
    finish({ t: "end", forced: true });
  }, 3000).unref();
});
`;
