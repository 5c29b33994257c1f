/**
 * Secrets by value (issue 12): a 3-character secret planted in a service's env, echoed by the
 * software, carried in a span attribute, in a failing and a passing test, in a bad file and via
 * --secret, must appear in no file a run writes and not on stdout/stderr.
 * Mutations caught: the old 4-character minimum (every "Qz7" survives); dropping the stdio hook
 * (the config error's code frame and clnrm's own stdout spans print it); dropping the self-trace
 * redaction (the exec'd command in clnrm.step spans); writing cache/baselines without redaction.
 * Re-checked 2026-12-02 on the built code: Redactor keeping no short values (`short = []`, the
 * 4-character minimum back) fails "a 3-character secret leaks into no report ...".
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { aliasConfig, dockerSkip, runCli, tmpDir, writeTest } from "../helpers/env.js";

const SECRET = "Qz7";
const NAMED = "n4med-Secret-value";

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

describe("secrets are redacted by value everywhere clnrm writes", { skip: dockerSkip }, () => {
  const dir = tmpDir("clnrm-secrets-");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    "a 3-character secret leaks into no report, bundle, cache, baseline, span or console " + "line",
    async () => {
      const config = aliasConfig(dir);
      const span = (n: string, id: string): string =>
        `{"name":"${n}","trace_id":"${"cd".repeat(16)}","span_id":"${id}",` +
        `"attributes":{"db.password":"${SECRET}"}}`;
      const body = (name: string, expectName: string, id: string): string => `[meta]
name = "${name}"
[service.app]
image = "alpine:latest"
env = { POSTGRES_PASSWORD = "${SECRET}", PLAIN = "visible-value" }
[[scenario]]
name = "echo"
service = "app"
run = """sh -c 'echo "pw=$POSTGRES_PASSWORD $NAMED_ONE"; echo "$SPAN_JSON"'"""
env = { NAMED_ONE = "${NAMED}", SPAN_JSON = '${span("work", id)}' }
artifacts.collect = ["spans:default"]
[[expect.span]]
name = "${expectName}"
[report]
json = "per-test/${name}.json"
junit = "per-test/${name}.xml"
html = "per-test/${name}.html"
`;
      const files = [
        writeTest(dir, "pass.clnrm.toml", body("pass", "work", "00000000000000a1")),
        writeTest(dir, "fail.clnrm.toml", body("fail", "missing", "00000000000000a2")),
        writeTest(
          dir,
          "bad.clnrm.toml",
          `[meta]\nname = "bad"\nenv = { API_TOKEN = "${SECRET}" ;\n`,
        ),
      ];
      const env = { NAMED_ONE: NAMED };
      const common = ["-c", config];
      // record first (it has no --secret option): the run afterwards rewrites the [report] files
      const rec = await runCli([...common, "record", files[0]!], { cwd: dir, env });
      assert.equal(rec.code, 0, rec.stdout + rec.stderr);
      const run = await runCli(
        [
          ...common,
          "run",
          "--secret",
          "NAMED_ONE",
          "--otel-exporter",
          "stdout",
          "--report-json",
          "out/r.json",
          "--report-junit",
          "out/r.xml",
          "--report-html",
          "out/r.html",
          "--digest",
          "out/d.txt",
          ...files,
        ],
        { cwd: dir, env },
      );
      assert.match(run.stdout, /PASS pass/, run.stdout + run.stderr);
      assert.match(run.stdout, /FAIL fail/);
      assert.match(run.stdout + run.stderr, /bad\.clnrm\.toml:3/);

      const written = filesUnder(dir).filter((f) => !files.includes(f));
      for (const must of ["reports/failures", ".clnrm/cache/results.json", ".clnrm/baselines"])
        assert.ok(
          written.some((f) => f.includes(must)),
          `${must} was written: ${written.join(", ")}`,
        );
      assert.ok(
        written.some((f) => f.endsWith("rendered.clnrm.toml")),
        written.join("\n"),
      );
      for (const f of written) {
        const text = fs.readFileSync(f, "utf8");
        assert.ok(!text.includes(SECRET), `${f} contains the secret`);
        assert.ok(!text.includes(NAMED), `${f} contains the --secret value`);
      }
      for (const [what, text] of Object.entries({
        stdout: run.stdout + rec.stdout,
        stderr: run.stderr + rec.stderr,
      })) {
        assert.ok(!text.includes(SECRET), `${what} contains the secret:\n${text}`);
        assert.ok(!text.includes(NAMED), `${what} contains the --secret value`);
      }
      assert.match(fs.readFileSync(path.join(dir, "out/r.json"), "utf8"), /«redacted»/);
    },
  );
});
