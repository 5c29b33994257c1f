/**
 * Strict expectations and declared span sources, on the config model (no Docker).
 * Mutations each test catches (checked by breaking the code once):
 * - `strict: true` removed from expect/scenario/service/otel in test-schema.ts → the
 *   misspelt keys become warnings and the "is an error" tests fail;
 * - closestName returning undefined → the did-you-mean assertions fail;
 * - locateKey's column dropped → the file:line:col assertions fail;
 * - the duplicate-name check removed from build.ts → the duplicate test fails;
 * - stdoutSpans always true → the undeclared-stdout test fails.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadTestSource } from "../../src/config/load.js";
import { CleanroomError } from "../../src/core/errors.js";
import { didYouMean as closestName } from "../../src/core/suggest.js";
import { stdoutDeclared } from "../../src/runner/telemetry-hooks.js";

const load = (src: string) =>
  loadTestSource(src, "t.clnrm.toml", { env: {} }).then((l) => l.config);
const HEAD = '[meta]\nname = "t"\n[service.api]\nimage = "alpine:latest"\n';
const SCENARIO = '[[scenario]]\nname = "s"\nservice = "api"\nrun = "echo hi"\n';

async function configError(src: string): Promise<CleanroomError> {
  try {
    await load(src);
  } catch (e) {
    assert.ok(e instanceof CleanroomError, String(e));
    assert.equal(e.kind, "Configuration");
    return e;
  }
  assert.fail("expected a configuration error");
}

describe("strict expectations: unknown keys are configuration errors", () => {
  it("[[expect.spans]] → error at file:line:col: did you mean `expect.span`?", async () => {
    const e = await configError(`${HEAD}${SCENARIO}[[expect.spans]]\nname = "order.placed"\n`);
    // line 9 is the header; column 10 is where `spans` starts in `[[expect.spans]]`
    assert.equal(e.location(), "t.clnrm.toml:9:10");
    assert.match(e.message, /unknown key `expect\.spans`: did you mean `expect\.span`\?/);
    assert.match(e.format(), /9 \| \[\[expect\.spans\]\]\n\s+\| {10}\^/);
  });

  it("atrs.all → error: did you mean `attrs.all`?", async () => {
    const e = await configError(
      `${HEAD}${SCENARIO}[[expect.span]]\nname = "x"\natrs.all = { a = "b" }\n`,
    );
    assert.equal(e.location(), "t.clnrm.toml:11:1");
    assert.match(
      e.message,
      /expect\.span\[0\]\.atrs: unknown key `atrs\.all`: did you mean `attrs\.all`\?/,
    );
  });

  it("every strict section rejects unknown keys: scenario, service(s), otel, expect", async () => {
    const cases: [string, RegExp][] = [
      [
        `${HEAD}${SCENARIO}timout_ms = 5\n`,
        /scenario\[0\]\.timout_ms: .*did you mean `timeout_ms`/,
      ],
      [`${HEAD}evn = { A = "1" }\n${SCENARIO}`, /service\.api\.evn: .*did you mean `env`/],
      [
        '[test.metadata]\nname = "t"\n[services.x]\nimage = "a"\nports_ = [1]\n' +
          '[[steps]]\nname = "s"\ncommand = ["true"]\n',
        /services\.x\.ports_: .*did you mean `ports`/,
      ],
      [
        `${HEAD}${SCENARIO}[otel]\nexportr = "otlp"\n`,
        /otel\.exportr: .*did you mean `otel\.exporter`/,
      ],
      [`${HEAD}${SCENARIO}[expect.graph]\nmust_includes = []\n`, /did you mean `must_include`/],
      [
        `${HEAD}${SCENARIO}[expect.counts]\nspans_totl = { gte = 1 }\n`,
        /did you mean `spans_total\.gte`/,
      ],
      // nothing close: still an error, listing the keys that exist there
      [
        `${HEAD}${SCENARIO}[expect.order]\nbefore = []\n`,
        /unknown key `before` \(known keys here: must_precede, must_follow\)/,
      ],
    ];
    for (const [src, re] of cases) assert.match((await configError(src)).message, re, src);
  });

  it("upstream's extra top-level tables warn; a near-miss of a known one is an error", async () => {
    const c = await load(`${HEAD}${SCENARIO}[otel_expectations]\nminimum_spans = 4\n`);
    assert.ok(
      c.warnings.some((w) => w.severity === "warning" && w.keyPath === "otel_expectations"),
    );
    const e = await configError(`${HEAD}${SCENARIO}[[expects.span]]\nname = "x"\n`);
    assert.match(e.message, /unknown key `expects\.span`: did you mean `expect\.span`\?/);
  });

  it("a service's `environment` (compose spelling) is read as env, with a warning", async () => {
    const c = await load(
      `${HEAD}environment = { A = "1", B = "2" }\nenv = { B = "3" }\n${SCENARIO}`,
    );
    assert.deepEqual(c.services[0]!.env, { A: "1", B: "3" });
    assert.ok(c.warnings.some((w) => /`environment` is read as `env`/.test(w.message)));
  });

  it("duplicate scenario names are a configuration error naming both", async () => {
    const e = await configError(`${HEAD}${SCENARIO}${SCENARIO}`);
    assert.match(
      e.message,
      /scenario\[1\]\.name: duplicate scenario name "s" \(also scenario\[0\]\)/,
    );
  });

  it("did-you-mean: close names and plurals only", () => {
    assert.equal(closestName("spans", ["span", "graph", "counts"]), "span");
    assert.equal(closestName("atrs", ["attrs", "events", "kind"]), "attrs");
    assert.equal(
      closestName("otel_expectations", ["otel", "otel_validation", "expect"]),
      undefined,
    );
  });
});

describe("declared span sources", () => {
  it("stdout is a span source only with artifacts spans:… or exporter = stdout", async () => {
    const plain = await load(`${HEAD}${SCENARIO}[otel]\nexporter = "otlp"\n`);
    assert.equal(stdoutDeclared(plain, "s"), false);
    const collect = await load(`${HEAD}${SCENARIO}artifacts.collect = ["spans:default"]\n`);
    assert.equal(stdoutDeclared(collect, "s"), true);
    const logsOnly = await load(`${HEAD}${SCENARIO}artifacts.collect = ["logs:stdout"]\n`);
    assert.equal(stdoutDeclared(logsOnly, "s"), false);
    const exporter = await load(`${HEAD}${SCENARIO}[otel]\nexporter = "stdout"\n`);
    assert.equal(stdoutDeclared(exporter, "s"), true);
    const legacy = await load(
      '[test.metadata]\nname = "t"\n[[steps]]\nname = "a"\ncommand = ["true"]\n' +
        '[otel]\nexporter = "stdout"\n',
    );
    assert.equal(stdoutDeclared(legacy, "steps"), true);
  });
});
