/**
 * The `run` rows of ../shared/conformance/README.md, through the built CLI and a real Docker
 * engine.
 * Mutations (by hand) each check was seen to catch:
 * - determinism digest: rngFor() ignoring rt.seed (src/template/functions.ts) → the two digests
 *   differ; the old check compared "-" with "-" and passed under it.
 * - basic-otel-validation "same container": now compares the steps' container ids (the old
 *   check compared config-derived service names). No mutation was run against this row; the
 *   engine test's check (one id, equal to the container's hostname) caught a wrong reported id.
 */
import { it, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  aliasConfig,
  CONFORMANCE,
  managedResources,
  runCli,
  tmpDir,
  suite,
} from "../helpers/env.js";

const f = (p: string): string => path.join(CONFORMANCE, p);

suite("conformance: run rows (real containers)", ["shared", "docker"], () => {
  let config: string;
  let dir: string;
  before(() => {
    dir = tmpDir();
    config = aliasConfig(dir);
  });

  const run = (files: string[], extra: string[] = []) =>
    runCli(["-c", config, "run", "-j", "2", "--no-cache", ...extra, ...files.map(f)], { cwd: dir });

  it("first-test, basic, toml-vars-rosetta, basic-otel-validation, legitimate: PASS", async () => {
    const r = await run(
      [
        "examples/quickstart/first-test.toml",
        "tests/basic.clnrm.toml",
        "tests/rosetta-stone/toml-vars-rosetta.clnrm.toml",
        "examples/otel-validation/basic-otel-validation.clnrm.toml",
        "tests/fake_green/legitimate.clnrm.toml",
      ],
      ["--report-json", path.join(dir, "r.json")],
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const name of [
      "container_lifecycle_test",
      "basic_test",
      "toml_vars_rosetta",
      "basic_otel_validation",
      "legitimate_test",
    ])
      assert.match(r.stdout, new RegExp(`PASS ${name} in`));
    const report = JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8"));
    const first = report.tests.find((t: { name: string }) => t.name === "container_lifecycle_test");
    const steps = first.scenarios[0].steps;
    assert.equal(steps.length, 3);
    // sh -c keeps its argv: the quoted script ran whole, so both echo lines appear.
    assert.match(steps[1].stdout, /Testing command execution\nCommand completed/);
    assert.deepEqual(steps[1].argv, [
      "sh",
      "-c",
      "echo 'Testing command execution' && sleep 1 && echo 'Command completed'",
    ]);
    const otel = report.tests.find((t: { name: string }) => t.name === "basic_otel_validation");
    // steps ran inside the named service container: every step reports the same container and
    // service
    const steps4 = otel.scenarios[0].steps as { service: string; container_id: string }[];
    assert.deepEqual([...new Set(steps4.map((s) => s.service))], ["otel_service"]);
    const ids = new Set(steps4.map((s) => s.container_id));
    assert.equal(ids.size, 1, JSON.stringify([...ids]));
    assert.match([...ids][0]!, /^[0-9a-f]{64}$/);
    assert.match(otel.scenarios[0].steps[3].stdout, /OTEL_SERVICE_NAME=validation-test-service/);
    assert.deepEqual(managedResources(report.run_id), { containers: [], networks: [] });
  });

  it(
    "determinism_docker_test: PASS; with a span whose attributes come from " +
      "its seeded generators and frozen clock, two runs give the same real digest",
    async () => {
      // The upstream fixture has no [otel]/[expect.*], so its digest is "-" on every run and says
      // nothing. A copy gets one more scenario that POSTs an OTLP/JSON span whose attributes are
      // unseeded generators and the clock: equal digests then need [determinism] seed and
      // freeze_clock to work (the normalizer masks uuids and RFC 3339 times, not these values).
      const fixture = fs.readFileSync(f("tests/determinism_docker_test.clnrm.toml"), "utf8");
      const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
      const body = JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: "ab".repeat(16),
                    spanId: "cd".repeat(8),
                    name: "determinism.probe",
                    startTimeUnixNano: "1",
                    endTimeUnixNano: "2",
                    attributes: [
                      attr("who", "{{ fake_name() }}"),
                      attr("n", "{{ fake_int() }}"),
                      attr("clock", "{{ now_unix() }}"),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      });
      const copy = path.join(dir, "determinism_docker_test.clnrm.toml");
      fs.writeFileSync(
        copy,
        `${fixture}
[[scenario]]
name = "emit_probe_span"
service = "test_container"
run = "sh -c 'wget -q -O - --header=Content-Type:application/json \
--post-data=\\"$BODY\\" $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces'"
env = { BODY = '${body}' }

[otel]
exporter = "otlp"

[[expect.span]]
name = "determinism.probe"
attrs.all = { clock = "1736942400" }
`,
      );
      const reports = [];
      for (let i = 0; i < 2; i++) {
        const out = path.join(dir, `d${i}.txt`);
        const json = path.join(dir, `d${i}.json`);
        const r = await runCli(
          ["-c", config, "run", "--no-cache", "--digest", out, "--report-json", json, copy],
          { cwd: dir },
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /PASS determinism_docker_validation/);
        const t = JSON.parse(fs.readFileSync(json, "utf8")).tests[0];
        assert.equal(t.counts.spans, 1);
        assert.match(
          fs.readFileSync(out, "utf8"),
          /^[0-9a-f]{64} {2}determinism_docker_validation\n$/,
        );
        reports.push({ digest: fs.readFileSync(out, "utf8"), step: t.scenarios[1].steps[0] });
      }
      assert.equal(reports[0]!.digest, reports[1]!.digest);
    },
  );

  it("attack_a_echo: FAIL, exit 1, first rule expect.span[clnrm.run].existence", async () => {
    const r = await run(
      ["tests/red_team/attack_a_echo.clnrm.toml"],
      ["--report-json", path.join(dir, "a.json")],
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL attack_a_echo_pass/);
    assert.match(
      r.stdout,
      new RegExp(
        /first failing rule:\n\s+expect\.span\[clnrm\.run\]\.existence: /.source +
          /no span named "clnrm\.run" was received/.source,
      ),
    );
    const report = JSON.parse(fs.readFileSync(path.join(dir, "a.json"), "utf8"));
    assert.equal(report.tests[0].first_failure.rule, "expect.span[clnrm.run].existence");
    assert.equal(report.tests[0].counts.spans, 0);
    // the echo really ran: the scenario itself passed; only the telemetry is missing
    assert.match(report.tests[0].scenarios[0].steps[0].stdout, /All tests passed/);
  });

  it(
    "without the alias, a missing image gives one " +
      "clear error naming the image and the alias option",
    async () => {
      const r = await runCli(["run", f("tests/basic.clnrm.toml")], { cwd: tmpDir() });
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /image alpine:latest is not present locally and cannot be pulled/);
      assert.match(r.stdout, /\[images\.aliases\] "alpine:latest"/);
    },
  );
});
