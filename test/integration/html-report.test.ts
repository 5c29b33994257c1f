/**
 * The interactive HTML report in headless Chromium (Debian's, driven by playwright-core):
 * filter by status, search by test / span name / attribute, collapsible tests, the first
 * failing rule with its spans marked, the span detail panel, container logs, evidence, run
 * metadata, keyboard use, no network and no console errors. The report is rendered by
 * htmlReport from a two-test run (one failing with an N+1, one passing and cached).
 * Mutations caught: a filter that hides nothing, a search that ignores attributes, a detail
 * panel without events or resource, first-failure spans not marked, rows that are not
 * focusable or do not answer ↓ / Enter / Esc, a report that loads anything from the network.
 */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import type { RunResult, TestResult } from "../../src/core/result.js";
import type { Span } from "../../src/telemetry/span.js";
import { htmlReport } from "../../src/report/html.js";
import { tmpDir, suite } from "../helpers/env.js";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
let clock = 1_764_000_000_000_000_000n;
const mk = (
  id: string,
  name: string,
  parent: string | undefined,
  durMs: number,
  extra: Partial<Span> = {},
): Span => {
  clock += 2_000_000n;
  const startNs = clock;
  return {
    traceId: T,
    spanId: id.padStart(16, "0"),
    parentSpanId: parent?.padStart(16, "0"),
    name,
    kind: "client",
    startNs,
    endNs: startNs + BigInt(durMs * 1e6),
    attributes: {},
    events: [],
    links: [],
    status: { code: "UNSET" },
    resource: { "service.name": "orders", "telemetry.sdk.language": "nodejs" },
    source: "otlp-http",
    ...extra,
  };
};

const failingSpans: Span[] = [
  mk("1", "GET", undefined, 40, { resource: { "service.name": "client" } }),
  mk("2", "GET /orders/:id", "1", 30, {
    kind: "server",
    attributes: { "http.route": "/orders/:id", "http.response.status_code": 200 },
    events: [{ name: "request.read", timeNs: clock + 1_000_000n, attributes: { bytes: 0 } }],
  }),
  ...[3, 4, 5].map((i) =>
    mk(String(i), "pg.query:SELECT orders", "2", 4, {
      attributes: { "db.system.name": "postgresql", "db.query.text": `SELECT ${i}` },
    }),
  ),
];
const passingSpans: Span[] = [
  mk("a1", "inventory.reserve", undefined, 8, {
    kind: "internal",
    source: "otlp-grpc",
    resource: { "service.name": "inventory" },
  }),
];

const test = (over: Partial<TestResult>): TestResult => ({
  file: "/repo/examples/x.clnrm.toml",
  name: "x",
  verdict: "passed",
  durationMs: 1234,
  scenarios: [],
  findings: [],
  specHash: "ab".repeat(32),
  containers: [],
  warnings: [],
  imageAliases: [],
  ...over,
});
const n1 = {
  rule: "expect.counts.by_name[pg.query:SELECT*]",
  message: 'the number of spans named "pg.query:SELECT*" is 3, expected ≤ 1',
  expected: "≤ 1",
  actual: "3",
  spanIds: ["3", "4", "5"].map((i) => i.padStart(16, "0")),
};
const run: RunResult = {
  runId: "run-html-1",
  startedAt: "2026-12-02T15:00:00.000Z",
  durationMs: 4321,
  interrupted: false,
  tests: [
    test({
      name: "orders_service",
      file: "/repo/examples/orders-service/orders.clnrm.toml",
      verdict: "failed",
      findings: [
        n1,
        {
          rule: "expect.counts.errors_total",
          message: "the number of spans is 1",
          spanIds: ["2".padStart(16, "0")],
        },
      ],
      firstFailure: n1,
      telemetry: { spans: 5, events: 1, sources: { "otlp-http": 5 }, completion: "quiet" },
      scenarios: [
        {
          name: "create_and_read_order",
          status: "passed",
          durationMs: 900,
          steps: [
            {
              name: "create_and_read_order",
              kind: "scenario",
              service: "client",
              argv: ["node", "/srv/app/client.mjs"],
              exitCode: 0,
              stdout: "order read back as written\n",
              stderr: "",
              durationMs: 900,
              status: "passed",
              timedOut: false,
            },
          ],
        },
      ],
      containers: [
        {
          name: "db",
          containerId: "c0ffee".repeat(10),
          image: "clnrm/postgres:15",
          stdout: "",
          stderr: "LOG:  database system is ready to accept connections\n",
        },
      ],
    }),
    {
      ...test({
        name: "otlp_grpc_inventory",
        cached: true,
        telemetry: { spans: 1, events: 0, sources: { "otlp-grpc": 1 } },
      }),
      evidence: { level: "telemetry", rules: 4, spans: 1, bySource: { "otlp-grpc": 1 } },
    } as TestResult,
  ],
};

suite("HTML report in headless Chromium", ["browser"], () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];
  const file = path.join(tmpDir(), "report.html");
  before(async () => {
    fs.writeFileSync(file, htmlReport(run, [failingSpans, passingSpans]));
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (q) => !q.url().startsWith("file:") && requests.push(q.url()));
    await page.goto(`file://${file}`);
  });
  after(async () => browser?.close());

  it("renders run metadata, both tests, evidence, logs; no errors, no network", async () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    const meta = (await page.locator("#runmeta").textContent()) ?? "";
    assert.match(meta, /runrun-html-1/);
    assert.match(meta, /failed1/);
    assert.match(meta, /cached1/);
    assert.equal(await page.locator("section.test").count(), 2);
    // The failing test is open, the passing one collapsed.
    assert.equal(await page.locator("#test-0-title").getAttribute("aria-expanded"), "true");
    assert.equal(await page.locator("#test-1-body").isVisible(), false);
    await page.locator("#test-1-title").click();
    assert.match(
      (await page.locator("#test-1 .evidence").textContent()) ?? "",
      /telemetry — 4 rule\(s\) over 1 span\(s\) \(otlp-grpc 1\)/,
    );
    await page.locator("#test-1-title").click();
    await page.locator("#test-0 details.logs summary").click();
    assert.match(
      (await page.locator("#test-0 details.logs pre").textContent()) ?? "",
      /ready to accept connections/,
    );
  });

  it("marks the first failing rule's spans; another finding re-marks", async () => {
    const first = page.locator("#test-0 .finding.first");
    assert.match((await first.textContent()) ?? "", /first failing rule.*pg\.query:SELECT\*/);
    const marked = page.locator("#test-0 .row.hl .name");
    assert.deepEqual(await marked.allTextContents(), Array(3).fill("pg.query:SELECT orders"));
    await page.locator("#test-0 .finding").nth(1).click();
    assert.deepEqual(await marked.allTextContents(), ["GET /orders/:id"]);
    await first.click();
    assert.equal(await marked.count(), 3);
  });

  it("filters by status and searches tests, span names and attributes", async () => {
    const visible = async (): Promise<string[]> =>
      page.locator("section.test:visible .tname").allTextContents();
    await page.getByRole("button", { name: "Passed (0)" }).click();
    assert.deepEqual(await visible(), []);
    assert.equal(await page.locator(".empty").isVisible(), true);
    await page.getByRole("button", { name: "Cached (1)" }).click();
    assert.deepEqual(await visible(), ["otlp_grpc_inventory"]);
    await page.getByRole("button", { name: "Failed (1)" }).click();
    assert.deepEqual(await visible(), ["orders_service"]);
    await page.getByRole("button", { name: "All (2)" }).click();
    assert.deepEqual(await visible(), ["orders_service", "otlp_grpc_inventory"]);

    await page.locator("#search").fill("inventory");
    assert.deepEqual(await visible(), ["otlp_grpc_inventory"]);
    await page.locator("#search").fill("db.query.text=select 4");
    assert.deepEqual(await visible(), ["orders_service"]);
    assert.deepEqual(await page.locator("#test-0 .row.match .name").allTextContents(), [
      "pg.query:SELECT orders",
    ]);
    await page.locator("#search").fill("postgresql");
    assert.equal(await page.locator("#test-0 .row.match").count(), 3);
    assert.match((await page.locator("#shown").textContent()) ?? "", /Showing 1 of 2 tests/);
    await page.locator("#search").fill("");
    assert.deepEqual(await visible(), ["orders_service", "otlp_grpc_inventory"]);
  });

  it("opens a span's details: attributes, events, resource, status and source", async () => {
    await page.locator("#test-0 .row", { hasText: "GET /orders/:id" }).click();
    const d = page.locator("#test-0 .detail");
    assert.equal(await d.isVisible(), true);
    const text = (await d.textContent()) ?? "";
    assert.match(text, /http\.route\/orders\/:id/);
    assert.match(text, /http\.response\.status_code200/);
    assert.match(text, /request\.read/);
    assert.match(text, /service\.nameorders/);
    assert.match(text, /sourceotlp-http/);
    assert.match(text, /statusUNSET/);
    assert.match(text, /parent id0000000000000001/);
    await d.getByRole("button", { name: "Close span details" }).click();
    assert.equal(await d.isVisible(), false);
  });

  it("works with the keyboard alone: Tab, ↓, Enter, Esc, / and Space", async () => {
    await page.keyboard.press("/");
    assert.equal(await page.evaluate<string | undefined>("document.activeElement?.id"), "search");
    const row0 = page.locator("#test-0 .row").first();
    await row0.focus();
    await page.keyboard.press("ArrowDown");
    const focused = (): Promise<string | undefined> =>
      page.evaluate<string | undefined>(
        "document.activeElement?.querySelector('.name')?.textContent ?? undefined",
      );
    assert.equal(await focused(), "GET /orders/:id");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    const d = page.locator("#test-0 .detail");
    assert.equal(await d.isVisible(), true);
    assert.match((await d.textContent()) ?? "", /db\.query\.textSELECT 3/);
    await page.keyboard.press("Escape");
    assert.equal(await d.isVisible(), false);
    assert.equal(await focused(), "pg.query:SELECT orders");
    // A test header toggles with Space; filters are reachable with Tab from the search box.
    await page.locator("#test-0-title").focus();
    await page.keyboard.press("Space");
    assert.equal(await page.locator("#test-0-title").getAttribute("aria-expanded"), "false");
    await page.keyboard.press("Space");
    assert.equal(await page.locator("#test-0-title").getAttribute("aria-expanded"), "true");
    await page.locator("#search").focus();
    await page.keyboard.press("Shift+Tab");
    assert.equal(
      await page.evaluate<string | undefined>("document.activeElement?.textContent"),
      "Cached (1)",
    );
    assert.deepEqual(errors, []);
  });
});
