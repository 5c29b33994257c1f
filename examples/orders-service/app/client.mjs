// The scenario's client: creates an order, reads it back and checks the answer. Instrumented like
// the service (node --import ./tracing.mjs), and its spans join clnrm's trace through TRACEPARENT.
import { createRequire } from "node:module";
import { context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import { shutdownTracing } from "./tracing.mjs";

const require = createRequire(import.meta.url);
const http = require("node:http");
const BASE = new URL(process.env.ORDERS_URL ?? "http://orders:8080");

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: BASE.hostname, port: BASE.port, method, path, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(data);
  });
}

const parent = process.env.TRACEPARENT
  ? propagation.extract(ROOT_CONTEXT, { traceparent: process.env.TRACEPARENT })
  : ROOT_CONTEXT;
let code = 0;
await context.with(parent, async () => {
  const order = { customer: "ada", lines: [{ sku: "A1", qty: 2 }, { sku: "B7", qty: 1 }, { sku: "C3", qty: 5 }] };
  const created = await call("POST", "/orders", order);
  console.log(`POST /orders -> ${created.status} ${JSON.stringify(created.body)}`);
  if (created.status !== 201) return void (code = 1);
  const read = await call("GET", `/orders/${created.body.id}`);
  console.log(`GET /orders/${created.body.id} -> ${read.status} ${JSON.stringify(read.body)}`);
  const same = read.status === 200 && JSON.stringify(read.body?.lines) === JSON.stringify(order.lines);
  if (!same) code = 1;
  console.log(same ? "order read back as written" : "order read back differs");
});
await shutdownTracing();
process.exit(code);
