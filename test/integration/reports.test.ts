/** Every report for a passing and a failing run: JSON (schema), JUnit (XSD), HTML (real browser), bundle, no secrets anywhere. */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import AjvModule from "ajv";

// ajv is CommonJS: its class is the default export's `default`.
const Ajv = AjvModule.default;
import { chromium } from "playwright-core";
import {
  aliasConfig,
  appServices,
  dockerSkip,
  PROJECT_ROOT,
  runCli,
  tmpDir,
  writeTest,
  type CliResult,
} from "../helpers/env.js";

const SECRET = "s3cr3t-token-value-42";
const HEADER = "Bearer hdr-secret-777";
const browserSkip = fs.existsSync("/usr/bin/chromium")
  ? false
  : "chromium is not installed (npm run setup installs it)";

const APP = (mode: string, name: string): string => `[meta]
name = "${name}"
description = "checkout through the OTel SDK"
[otel]
exporter = "otlp"
headers = { Authorization = "${HEADER}" }
${appServices(`API_TOKEN = "${SECRET}"`)}[[scenario]]
name = "checkout_flow"
service = "app"
run = "sh -c 'echo token=$API_TOKEN; env | grep OTEL_EXPORTER_OTLP_HEADERS; node /app/fixtures/otel-app.mjs'"
env = { APP_MODE = "${mode}" }
[[expect.span]]
name = "checkout"
kind = "server"
[expect.graph]
must_include = [["checkout", "payment"]]
[expect.status]
by_name = { "payment" = "OK" }
`;

describe("reports (real run)", { skip: dockerSkip }, () => {
  let dir: string;
  let r: CliResult;
  const out = (f: string): string => path.join(dir, f);
  before(async () => {
    dir = tmpDir();
    const config = aliasConfig(dir);
    const good = writeTest(dir, "good.clnrm.toml", APP("ok", "checkout_ok"));
    const bad = writeTest(dir, "bad.clnrm.toml", APP("fail", "checkout_declined"));
    r = await runCli(
      [
        "-c",
        config,
        "run",
        "--no-cache",
        "--report-json",
        out("r.json"),
        "--report-junit",
        out("r.xml"),
        "--report-html",
        out("r.html"),
        "--digest",
        out("d.txt"),
        good,
        bad,
      ],
      { cwd: dir },
    );
  });

  it("console: PASS line with spans and digest, focused failure with expected vs actual and spans", () => {
    assert.equal(r.code, 1);
    assert.match(r.stdout, /PASS checkout_ok in \d+\.\d\ds \(spans=3, digest=[0-9a-f]{12}…\)/);
    assert.match(
      r.stdout,
      /FAIL checkout_declined in .*\n  first failing rule:\n    expect\.status\.by_name\[payment\]: 1 span\(s\) matching "payment" do not have status OK: payment=ERROR \(card declined\)\n      expected: OK\n      actual:   ERROR\n      spans:    payment \[[0-9a-f]{16}\]/,
    );
    assert.match(r.stdout, /Test results: 1 passed, 1 failed in/);
  });

  it("JSON report: valid against docs/report.schema.json, with spec_hash, digest, first_failure", () => {
    const doc = JSON.parse(fs.readFileSync(out("r.json"), "utf8")) as {
      tests: Record<string, any>[];
      counts: { failed: number };
    };
    const schema = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, "docs/report.schema.json"), "utf8"),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    const [good, bad] = doc.tests;
    assert.equal(good.verdict, "pass");
    assert.match(good.digest, /^[0-9a-f]{64}$/);
    assert.equal(bad.first_failure.rule, "expect.status.by_name[payment]");
    assert.equal(bad.first_failure.spans.length, 1);
    assert.equal(doc.counts.failed, 1);
  });

  it("JUnit: valid against the JUnit XSD; ms-precision times; failure message carries the rule id", () => {
    const x = spawnSync(
      "xmllint",
      ["--noout", "--schema", path.join(PROJECT_ROOT, "test/fixtures/junit.xsd"), out("r.xml")],
      { encoding: "utf8" },
    );
    assert.equal(x.status, 0, x.stderr);
    const xml = fs.readFileSync(out("r.xml"), "utf8");
    assert.match(
      xml,
      /<testsuite name="checkout_declined" tests="4" failures="1" errors="0" skipped="0" time="\d+\.\d{3}"/,
    );
    assert.match(xml, /<failure message="expect\.status\.by_name\[payment\]: /);
    assert.match(xml, /<system-out>token=«redacted»/);
  });

  it("digest file has one line per test", () => {
    assert.match(
      fs.readFileSync(out("d.txt"), "utf8"),
      /^[0-9a-f]{64} {2}checkout_ok\n[0-9a-f]{64} {2}checkout_declined\n$/,
    );
  });

  it("failure bundle: rendered TOML, container logs, spans as OTLP/JSON, findings, readiness", () => {
    const line = /failure bundle: (\S+)/.exec(r.stdout);
    assert.ok(line, r.stdout);
    const b = path.resolve(dir, line[1]!);
    assert.match(
      fs.readFileSync(path.join(b, "rendered.clnrm.toml"), "utf8"),
      /name = "checkout_declined"/,
    );
    const otlp = JSON.parse(fs.readFileSync(path.join(b, "spans.otlp.json"), "utf8"));
    assert.equal(otlp.resourceSpans[0].scopeSpans[0].spans.length, 3);
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(b, "findings.json"), "utf8")).first_failure.rule,
      "expect.status.by_name[payment]",
    );
    const logs = fs.readdirSync(path.join(b, "logs"));
    assert.equal(logs.length, 2);
    assert.match(
      fs.readFileSync(path.join(b, "logs", logs.find((l) => l.startsWith("scenario"))!), "utf8"),
      /otel-app done \(protobuf, mode=fail\)/,
    );
    assert.ok(fs.existsSync(path.join(b, "readiness.txt")));
  });

  it("secrets never appear in any output, report or bundle", () => {
    const files = spawnSync("find", [dir, "-type", "f"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((f) => f && !f.endsWith(".clnrm.toml"));
    const texts = [r.stdout, r.stderr, ...files.map((f) => fs.readFileSync(f, "utf8"))];
    for (const t of texts) {
      assert.ok(!t.includes(SECRET), "API token leaked");
      assert.ok(
        !t.includes(HEADER) && !t.includes(encodeURIComponent(HEADER)),
        "otel header leaked",
      );
    }
    assert.ok(texts.some((t) => t.includes("«redacted»")));
  });

  it("HTML report: renders in a real browser without console errors; waterfall, attributes on click, failure links to spans", {
    skip: browserSkip,
  }, async () => {
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on(
        "request",
        (q) =>
          !q.url().startsWith("file:") && !q.url().startsWith("data:") && requests.push(q.url()),
      );
      await page.goto(`file://${out("r.html")}`);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], "the report must be self-contained");
      assert.equal(await page.locator(".test").count(), 2);
      assert.equal(await page.locator("#test-1 .wf .row").count(), 3);
      await page.locator("#test-1 .row", { hasText: "db.query" }).click();
      assert.match(
        (await page.locator("#test-1 .detail").textContent()) ?? "",
        /"db.system": "postgres"/,
      );
      await page.locator("#test-1 .finding.first").click();
      assert.equal(await page.locator("#test-1 .row.hl").count(), 1);
      assert.equal(await page.locator("#test-1 .row.hl .label").textContent(), "payment");
      const shot = path.join(dir, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(fs.statSync(shot).size > 10_000);
      if (process.env.CLNRM_UPDATE_SCREENSHOT)
        fs.copyFileSync(shot, path.join(PROJECT_ROOT, "docs/report-screenshot.png"));
    } finally {
      await browser.close();
    }
  });
});

describe("[report] in the test file", { skip: dockerSkip }, () => {
  it("writes that test's JSON report and digest under the project's report dir", async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "cleanroom.toml"),
      `[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n[reporting]\nreport_dir = "${path.join(dir, "out")}"\n`,
    );
    const file = writeTest(
      dir,
      "rep.clnrm.toml",
      '[meta]\nname = "with_report"\n[[scenario]]\nname = "s"\nrun = "true"\n[report]\njson = "rep/report.json"\ndigest = "rep/trace.sha256"\n',
    );
    const r = await runCli(["run", file], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(dir, "out/rep/report.json"), "utf8")).tests[0].name,
      "with_report",
    );
    assert.match(fs.readFileSync(path.join(dir, "out/rep/trace.sha256"), "utf8"), /with_report/);
  });
});
