/**
 * Honest verdicts with real containers and real OTLP (issue 10, part B).
 * Mutations each test catches (checked by breaking the code once):
 * - afterScenario parsing stdout without checking stdoutDeclared → the attacker's echoed
 *   `order.placed` line satisfies the expectation and the run passes (exit 0, not 1);
 * - the schema's `strict` flags removed → `[[expect.spans]]` is a warning and the run
 *   passes with zero assertions (exit 0, not 2);
 * - redgreen counting every failed test as red → the config error is accepted (exit 0);
 * - bind mounts left out of the cache key → the third run replays the cached PASS
 *   although the mounted file now fails the expectation.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import { aliasConfig, appServices, dockerSkip, runCli, tmpDir, writeTest } from "../helpers/env.js";

const ATTACK = (declared: boolean): string => `[meta]
name = "${declared ? "stdout_declared" : "stdout_attacker"}"
[otel]
exporter = "otlp"
[service.app]
image = "alpine:latest"
${
  declared
    ? echoSpanScenario("emit", ndjsonSpan("order.placed"), "app")
    : echoSpanScenario("emit", ndjsonSpan("order.placed"), "app").replace(
        'artifacts.collect = ["spans:default"]\n',
        "",
      )
}[[expect.span]]
name = "order.placed"
`;

const OTLP_APP = `[meta]
name = "otlp_legit"
[otel]
exporter = "otlp"
${appServices()}[[scenario]]
name = "checkout_flow"
service = "app"
run = "node /app/fixtures/otel-app.mjs"
[[expect.span]]
name = "checkout"
kind = "server"
[expect.graph]
must_include = [["checkout", "payment"]]
`;

describe("honest verdicts (real containers, real OTLP)", { skip: dockerSkip }, () => {
  it("undeclared stdout JSON is no span: attacker FAILS; declared twin, OTLP PASS", async () => {
    const dir = tmpDir();
    const config = aliasConfig(dir);
    const files = [
      writeTest(dir, "a.clnrm.toml", ATTACK(false)),
      writeTest(dir, "b.clnrm.toml", ATTACK(true)),
      writeTest(dir, "c.clnrm.toml", OTLP_APP),
    ];
    const json = path.join(dir, "r.json");
    const r = await runCli(
      ["-c", config, "run", "--no-cache", "-j", "3", "--report-json", json, ...files],
      { cwd: dir },
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        "FAIL stdout_attacker in .*\\n {2}first failing rule:\\n {4}" +
          'expect\\.span\\[order\\.placed\\]\\.existence: no span named "order\\.placed" ' +
          "was received \\(no spans were collected at all\\)",
      ),
    );
    assert.match(
      r.stdout,
      new RegExp(
        'warning: scenario "emit" printed 1 span-like JSON object\\(s\\) on stdout, ' +
          "not counted: stdout is not a declared span source",
      ),
    );
    assert.match(
      r.stdout,
      /PASS stdout_declared in .* — proved by 1 rule\(s\) over 1 span\(s\) \(stdout=1\)/,
    );
    assert.match(
      r.stdout,
      /PASS otlp_legit in .* — proved by 2 rule\(s\) over 3 span\(s\) \(otlp-http=3\)/,
    );
    const tests = JSON.parse(fs.readFileSync(json, "utf8")).tests as Record<string, any>[];
    const by = (n: string) => tests.find((t) => t.name === n)!;
    assert.deepEqual(by("stdout_attacker").evidence, {
      level: "telemetry",
      rules: 1,
      spans: 0,
      by_source: {},
    });
    assert.deepEqual(by("stdout_declared").evidence.by_source, { stdout: 1 });
    assert.deepEqual(by("otlp_legit").evidence.by_source, { "otlp-http": 3 });
  });

  it("a misspelt expectation: exit 2 at file:line:col with a did-you-mean", async () => {
    const dir = tmpDir();
    const config = aliasConfig(dir);
    const file = writeTest(
      dir,
      "typo.clnrm.toml",
      ATTACK(true).replace("[[expect.span]]", "[[expect.spans]]"),
    );
    const r = await runCli(["-c", config, "run", "--no-cache", file], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        "Configuration error in \\S*typo\\.clnrm\\.toml:13:10: expect\\.spans: " +
          "unknown key `expect\\.spans`: did you mean `expect\\.span`\\?",
      ),
    );
    // redgreen: a test that cannot be judged is not a valid red
    const red = await runCli(["-c", config, "redgreen", "--expect", "red", file], { cwd: dir });
    assert.equal(red.code, 2, red.stdout + red.stderr);
    assert.match(red.stdout, /ERROR \S+: Configuration error, not a valid red/);
    assert.doesNotMatch(red.stdout, /^RED /m);
    const lint = await runCli(["lint", file], { cwd: dir });
    assert.equal(lint.code, 1);
    assert.match(
      lint.stdout,
      /typo\.clnrm\.toml:13:10: error: .*did you mean `expect\.span`\? \[unknown-key\]/,
    );
  });

  it("the cache re-runs a scenario when a bind-mounted file changes", async () => {
    const dir = tmpDir();
    const config = aliasConfig(dir);
    const data = path.join(dir, "data");
    fs.mkdirSync(data);
    const write = (v: string) =>
      fs.writeFileSync(
        path.join(data, "span.json"),
        `${ndjsonSpan("work", { attributes: { v } })}\n`,
      );
    write("one");
    const file = writeTest(
      dir,
      "m.clnrm.toml",
      `[meta]
name = "mounted"
[service.app]
image = "alpine:latest"
volumes = [{ host_path = "${data}", container_path = "/data", read_only = true }]
[[scenario]]
name = "read"
service = "app"
run = "cat /data/span.json"
artifacts.collect = ["spans:default"]
[[expect.span]]
name = "work"
attrs.all = { v = "one" }
`,
    );
    const run = () => runCli(["-c", config, "run", file], { cwd: dir });
    const first = await run();
    assert.match(first.stdout, /PASS mounted in/, first.stdout + first.stderr);
    const second = await run();
    assert.match(second.stdout, /PASS mounted \(cached: no scenario changed/);
    write("two");
    const third = await run();
    assert.equal(third.code, 1, third.stdout);
    assert.match(
      third.stdout,
      /FAIL mounted in .*\n {2}first failing rule:\n {4}expect\.span\[work\]\.attrs\.all/,
    );
  });
});
