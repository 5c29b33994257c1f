// orders-service: a small HTTP API over PostgreSQL, instrumented with the OpenTelemetry SDK
// (see tracing.mjs). Routes:
//   POST /orders      {"customer": "ada", "lines": [{"sku": "A1", "qty": 2}, ...]} -> 201 {"id": 1}
//   GET  /orders/:id  -> 200 {"id", "customer", "lines": [...]} or 404
//   GET  /healthz     -> 200 (readiness; not traced)
// ORDERS_BUG switches a bug on: "n_plus_one" reads an order's lines one query per line,
// "error" sends a broken query on GET (an unhandled database error, answered with 500).
import { createRequire } from "node:module";
import { context } from "@opentelemetry/api";
import { getRPCMetadata, RPCType, suppressTracing } from "@opentelemetry/core";
import { shutdownTracing } from "./tracing.mjs";

// CommonJS loading, so the instrumentations (require hooks) patch these modules.
const require = createRequire(import.meta.url);
const http = require("node:http");
const pg = require("pg");

const BUG = process.env.ORDERS_BUG ?? "";
const PORT = Number(process.env.PORT ?? 8080);
const DB = { host: process.env.PGHOST ?? "db", user: "postgres", port: 5432 };

// Schema set-up is not part of a request: its spans are suppressed.
await context.with(suppressTracing(context.active()), async () => {
  for (let attempt = 1; ; attempt++) {
    const admin = new pg.Client({ ...DB, database: "postgres" });
    try {
      await admin.connect();
      const has = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'orders'");
      if (has.rowCount === 0) await admin.query("CREATE DATABASE orders");
      await admin.end();
      break;
    } catch (e) {
      await admin.end().catch(() => {});
      if (attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const c = new pg.Client({ ...DB, database: "orders" });
  await c.connect();
  await c.query(`CREATE TABLE IF NOT EXISTS orders (
    id serial PRIMARY KEY, customer text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  await c.query(`CREATE TABLE IF NOT EXISTS order_lines (
    id serial PRIMARY KEY, order_id int NOT NULL REFERENCES orders(id),
    sku text NOT NULL, qty int NOT NULL CHECK (qty > 0))`);
  await c.end();
});
const pool = new pg.Pool({ ...DB, database: "orders", max: 4 });

/** Tells the HTTP instrumentation the route template (it sets `http.route` and the span name). */
function route(template) {
  const md = getRPCMetadata(context.active());
  if (md?.type === RPCType.HTTP) md.route = template;
}

async function createOrder(body) {
  const { customer, lines } = body;
  if (typeof customer !== "string" || !Array.isArray(lines) || lines.length === 0)
    return [400, { error: "customer (string) and lines (non-empty array) are required" }];
  const { rows } = await pool.query("INSERT INTO orders (customer) VALUES ($1) RETURNING id", [
    customer,
  ]);
  const id = rows[0].id;
  await pool.query(
    `INSERT INTO order_lines (order_id, sku, qty)
     SELECT $1, l.sku, l.qty FROM jsonb_to_recordset($2::jsonb) AS l(sku text, qty int)`,
    [id, JSON.stringify(lines)],
  );
  return [201, { id }];
}

async function readOrder(id) {
  if (BUG === "error") await pool.query("SELECT * FROM order_line WHERE order_id = $1", [id]);
  if (BUG === "n_plus_one") {
    const o = await pool.query("SELECT id, customer FROM orders WHERE id = $1", [id]);
    if (o.rowCount === 0) return [404, { error: `order ${id} not found` }];
    const ids = await pool.query("SELECT id FROM order_lines WHERE order_id = $1 ORDER BY id", [
      id,
    ]);
    const lines = [];
    for (const { id: lineId } of ids.rows) {
      const l = await pool.query("SELECT sku, qty FROM order_lines WHERE id = $1", [lineId]);
      lines.push(l.rows[0]);
    }
    return [200, { ...o.rows[0], lines }];
  }
  const { rows } = await pool.query(
    `SELECT o.id, o.customer, l.sku, l.qty FROM orders o
     JOIN order_lines l ON l.order_id = o.id WHERE o.id = $1 ORDER BY l.id`,
    [id],
  );
  if (rows.length === 0) return [404, { error: `order ${id} not found` }];
  return [
    200,
    { id: rows[0].id, customer: rows[0].customer, lines: rows.map(({ sku, qty }) => ({ sku, qty })) },
  ];
}

async function handle(req) {
  const url = new URL(req.url, "http://orders");
  if (req.method === "GET" && url.pathname === "/healthz") return [200, { ok: true }];
  if (req.method === "POST" && url.pathname === "/orders") {
    route("/orders");
    let text = "";
    for await (const chunk of req) text += chunk;
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return [400, { error: "the body is not JSON" }];
    }
    return createOrder(body);
  }
  const m = /^\/orders\/(\d+)$/.exec(url.pathname);
  if (req.method === "GET" && m) {
    route("/orders/:id");
    return readOrder(Number(m[1]));
  }
  return [404, { error: `no route for ${req.method} ${url.pathname}` }];
}

const server = http.createServer((req, res) => {
  handle(req).then(
    ([status, body]) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    },
    (err) => {
      console.error(`${req.method} ${req.url} failed:`, err.message);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: err.message }));
    },
  );
});
server.listen(PORT, () => console.log(`orders-service listening on :${PORT} (bug: ${BUG || "none"})`));

// SIGTERM (docker stop): stop accepting requests, flush every span, close the pool, exit.
process.on("SIGTERM", async () => {
  server.close();
  await shutdownTracing();
  await pool.end().catch(() => {});
  console.log("orders-service stopped (spans flushed)");
  process.exit(0);
});
