/**
 * Every report for a passing and failing run: JSON (schema), JUnit (XSD and a JUnit consumer
 * library, cross-checked with the JSON), HTML (real browser), bundle, no secrets anywhere.
 * Mutations (by hand) each check was seen to catch:
 * - secret scan: the bundle's rendered.clnrm.toml written unredacted (r.config.source instead
 *   of r.redact.text(...) in src/cli/commands/run.ts) → "API token leaked" (the old scan
 *   skipped every *.clnrm.toml, so it passed).
 * - JUnit consumer: the old root `failures` = tests with findings and no root `errors` → the
 *   consumer's totals disagree with its cases (3 failed cases, 2 counted; the errored test
 *   counted as passed).
 * - screenshot: taken of a blank page instead of the report → no pixel of the highlight
 *   colour in the failing row's box (the old size > 10 kB check passed on a blank full page).
 * - readiness.txt: written with a constant text → the exact-content check fails (the engine
 *   test checks the diagnostics of a real readiness failure in it).
 */
import { it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import AjvModule from "ajv";
import { parse as parseJunit } from "test-results-parser";

// ajv is CommonJS: its class is the default export's `default`.
const Ajv = AjvModule.default;
import { chromium } from "playwright-core";
import {
  aliasConfig,
  BROWSER,
  itNeeding,
  appServices,
  PROJECT_ROOT,
  runCli,
  tmpDir,
  writeTest,
  type CliResult,
  suite,
} from "../helpers/env.js";

const SECRET = "s3cr3t-token-value-42";
const HEADER = "Bearer hdr-secret-777";
const APP = (mode: string, name: string): string => `[meta]
name = "${name}"
description = "checkout through the OTel SDK"
[otel]
exporter = "otlp"
headers = { Authorization = "${HEADER}" }
${appServices(`API_TOKEN = "${SECRET}"`)}[[scenario]]
name = "checkout_flow"
service = "app"
run = "sh -c 'echo token=$API_TOKEN; env | grep OTEL_EXPORTER_OTLP_HEADERS; \
node /app/fixtures/otel-app.mjs'"
env = { APP_MODE = "${mode}" }
[[expect.span]]
name = "checkout"
kind = "server"
[expect.graph]
must_include = [["checkout", "payment"]]
[expect.status]
by_name = { "payment" = "OK" }
`;

suite("reports (real run)", ["docker"], () => {
  let dir: string;
  let r: CliResult;
  const out = (f: string): string => path.join(dir, f);
  before(async () => {
    dir = tmpDir();
    const config = aliasConfig(dir);
    const good = writeTest(dir, "good.clnrm.toml", APP("ok", "checkout_ok"));
    const bad = writeTest(dir, "bad.clnrm.toml", APP("fail", "checkout_declined"));
    // two failing cases in one suite (a failed scenario and unmet expectations) ...
    const twice = writeTest(
      dir,
      "twice.clnrm.toml",
      '[meta]\nname = "twice_failed"\n[otel]\nexporter = "otlp"\n[[scenario]]\nname = "s"\n' +
        'run = "sh -c \'echo partial; exit 1\'"\n[[expect.span]]\nname = "never.sent"\n',
    );
    // ... and a set-up error (a JUnit <error>, not a <failure>)
    const dies = writeTest(
      dir,
      "dies.clnrm.toml",
      '[test.metadata]\nname = "service_dies"\n[services.x]\nimage = "alpine:latest"\n' +
        'args = ["sh", "-c", "echo going away; exit 4"]\n' +
        'health_check = { cmd = ["false"], timeout_ms = 60000 }\n[[steps]]\nname = "s"\n' +
        'service = "x"\ncommand = ["echo", "hi"]\n',
    );
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
        twice,
        dies,
      ],
      { cwd: dir },
    );
  });

  it(
    "console: PASS line with spans and digest, " +
      "focused failure with expected vs actual and spans",
    () => {
      assert.equal(r.code, 1);
      assert.match(r.stdout, /PASS checkout_ok in \d+\.\d\ds \(spans=3, digest=[0-9a-f]{12}…\)/);
      const failure = new RegExp(
        [
          "FAIL checkout_declined in .*",
          " {2}first failing rule:",
          " {4}expect\\.status\\.by_name\\[payment\\]: " +
            '1 span\\(s\\) matching "payment" do not have ' +
            "status OK: payment=ERROR \\(card declined\\)",
          " {6}expected: OK",
          " {6}actual: {3}ERROR",
          " {6}spans: {4}payment \\[[0-9a-f]{16}\\]",
        ].join("\n"),
      );
      assert.match(r.stdout, failure);
      assert.match(r.stdout, /Test results: 1 passed, 3 failed in/);
    },
  );

  it(
    "JSON report: valid against " +
      "docs/report.schema.json, with spec_hash, digest, first_failure",
    () => {
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
      assert.equal(doc.counts.failed, 3);
    },
  );

  it(
    "JUnit: valid against the JUnit XSD; " +
      "ms-precision times; failure message carries the rule id",
    () => {
      const x = spawnSync(
        "xmllint",
        ["--noout", "--schema", path.join(PROJECT_ROOT, "test/fixtures/junit.xsd"), out("r.xml")],
        { encoding: "utf8" },
      );
      assert.equal(x.status, 0, x.stderr);
      const xml = fs.readFileSync(out("r.xml"), "utf8");
      assert.match(
        xml,
        new RegExp(
          /<testsuite name="checkout_declined" tests="4" failures="1" /.source +
            /errors="0" skipped="0" time="\d+\.\d{3}"/.source,
        ),
      );
      assert.match(xml, /<failure message="expect\.status\.by_name\[payment\]: /);
      assert.match(xml, /<system-out>token=«redacted»/);
    },
  );

  it(
    "JUnit as a consumer reads it (test-results-parser): its " +
      "counts agree with its own cases and with the JSON report",
    () => {
      const junit = parseJunit({ type: "junit", files: [out("r.xml")] });
      const json = JSON.parse(fs.readFileSync(out("r.json"), "utf8")) as {
        counts: { tests: number; failed: number };
        tests: {
          name: string;
          verdict: string;
          error: { kind: string } | null;
          first_failure: { rule: string } | null;
        }[];
      };
      const cases = junit.suites.flatMap((x) => x.cases);
      const n = (status: string): number => cases.filter((c) => c.status === status).length;
      // the totals a CI system shows (read from the root attributes) match the cases it lists
      assert.equal(junit.total + junit.skipped, cases.length);
      assert.equal(junit.failed + junit.errors, n("FAIL"));
      assert.equal(junit.passed, n("PASS"));
      assert.equal(junit.skipped, n("SKIP"));
      assert.equal(junit.status, "FAIL");
      // one suite per test, in order, failing exactly when the JSON verdict is fail
      assert.equal(junit.suites.length, json.counts.tests);
      assert.deepEqual(
        junit.suites.map((x) => [x.name, x.status]),
        json.tests.map((t) => [t.name, t.verdict === "pass" ? "PASS" : "FAIL"]),
      );
      assert.equal(junit.suites.filter((x) => x.status === "FAIL").length, json.counts.failed);
      for (const [i, t] of json.tests.entries()) {
        const x = junit.suites[i]!;
        const failedCases = x.cases.filter((c) => c.status === "FAIL").length;
        assert.equal(x.failed + x.errors, failedCases, t.name);
        assert.equal(x.errors, t.error ? 1 : 0, t.name);
        const rule = t.first_failure?.rule;
        if (rule)
          assert.ok(
            x.cases.some((c) => c.failure.startsWith(`${rule}: `)),
            `${t.name}: no case fails with ${rule}`,
          );
      }
      assert.equal(json.tests[3]!.error?.kind, "Service");
      assert.equal(junit.suites[2]!.failed, 2);
    },
  );

  it("digest file has one line per test", () => {
    assert.match(
      fs.readFileSync(out("d.txt"), "utf8"),
      new RegExp(
        /^[0-9a-f]{64} {2}checkout_ok\n[0-9a-f]{64} {2}checkout_declined\n/.source +
          /([0-9a-f]{64}|-) {2}twice_failed\n- {2}service_dies\n$/.source,
      ),
    );
  });

  it(
    "failure bundle: rendered TOML, container " + "logs, spans as OTLP/JSON, findings, readiness",
    () => {
      const line = /failure bundle: (\S+checkout[_-]declined\S*)/.exec(r.stdout);
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
      // every service of this test became ready: the file says so (the engine test checks the
      // diagnostics a readiness failure writes here)
      assert.equal(
        fs.readFileSync(path.join(b, "readiness.txt"), "utf8"),
        "all services became ready (or none declared checks)\n",
      );
    },
  );

  it("secrets never appear in any output, report or bundle", () => {
    // every file but the test files we wrote (they hold the secrets on purpose); the bundle's
    // rendered.clnrm.toml is scanned: it is the one file that holds them before redaction
    const inputs = ["good", "bad", "twice", "dies"].map((n) => out(`${n}.clnrm.toml`));
    const files = spawnSync("find", [dir, "-type", "f"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((f) => f && !inputs.includes(f));
    const rendered = files.filter((f) => f.endsWith("/rendered.clnrm.toml"));
    assert.ok(rendered.length >= 1, "no failure bundle to scan");
    assert.ok(rendered.some((f) => fs.readFileSync(f, "utf8").includes("«redacted»")));
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

  itNeeding(
    ["browser"],
    "HTML report: renders in a real browser without console errors; waterfall, attributes on " +
      "click, failure links to spans",
    async () => {
      const browser = await chromium.launch({
        executablePath: BROWSER,
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
        assert.equal(await page.locator(".test").count(), 4);
        assert.equal(await page.locator("#test-1 .wf .row").count(), 3);
        await page.locator("#test-1 .row", { hasText: "db.query" }).click();
        assert.match(
          (await page.locator("#test-1 .detail").textContent()) ?? "",
          /db\.systempostgres/,
        );
        await page.locator("#test-1 .finding.first").click();
        assert.equal(await page.locator("#test-1 .row.hl").count(), 1);
        assert.equal(await page.locator("#test-1 .row.hl .name").textContent(), "payment");
        // the screenshot shows the report: the failing span's row carries the highlight colour
        // in the picture itself (pixels decoded by the browser), and a passing row does not
        const shot = path.join(dir, "report.png");
        const png = await page.screenshot({ path: shot, fullPage: true });
        const hl = page.locator("#test-1 .row.hl");
        // browser-side code as text: this project compiles without the DOM typings
        const colour = await page.evaluate<string>(
          `getComputedStyle(document.querySelector("#test-1 .row.hl")).backgroundColor`,
        );
        const scroll = await page.evaluate<{ x: number; y: number }>(
          "({ x: window.scrollX, y: window.scrollY })",
        );
        const probe = await browser.newPage();
        type Box = { x: number; y: number; width: number; height: number };
        const share = async (b: Box | null): Promise<number> => {
          assert.ok(b);
          const box = [b.x + scroll.x, b.y + scroll.y, b.width, b.height].map(Math.round);
          // decoded in a blank page: the report's Content-Security-Policy forbids data: images
          return probe.evaluate<number>(`(async () => {
            const img = new Image();
            img.src = "data:image/png;base64,${png.toString("base64")}";
            await img.decode();
            const c = document.createElement("canvas");
            c.width = img.width;
            c.height = img.height;
            const ctx = c.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const [r, g, b] = ${JSON.stringify(colour)}.match(/\\d+/g).map(Number);
            const px = ctx.getImageData(${box.join(", ")}).data;
            let hit = 0;
            for (let i = 0; i < px.length; i += 4) {
              const d = Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b);
              if (d < 6) hit++;
            }
            return hit / (px.length / 4);
          })()`);
        };
        const inRow = await share(await hl.boundingBox());
        assert.ok(inRow > 0.3, `only ${inRow} of the failing row is ${colour} in the screenshot`);
        assert.ok(
          (await share(await page.locator("#test-1 .wf .row:not(.hl)").first().boundingBox())) <
            0.05,
        );
        if (process.env.CLNRM_UPDATE_SCREENSHOT)
          fs.copyFileSync(shot, path.join(PROJECT_ROOT, "docs/report-screenshot.png"));
      } finally {
        await browser.close();
      }
    },
  );
});

suite("[report] in the test file", ["docker"], () => {
  it("writes that test's JSON report and digest under the project's report dir", async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "cleanroom.toml"),
      `[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n[reporting]\n` +
        `report_dir = "${path.join(dir, "out")}"\n`,
    );
    const file = writeTest(
      dir,
      "rep.clnrm.toml",
      '[meta]\nname = "with_report"\n[[scenario]]\nname = "s"\nrun = "true"\n[report]\n' +
        'json = "rep/report.json"\ndigest = "rep/trace.sha256"\n',
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
