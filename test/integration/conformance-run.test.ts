/**
 * The `run` rows of ../shared/conformance/README.md, through the built CLI and a real Docker
 * engine.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  aliasConfig,
  CONFORMANCE,
  conformanceSkip,
  dockerSkip,
  managedResources,
  runCli,
  tmpDir,
} from "../helpers/env.js";

const skip = conformanceSkip || dockerSkip;
const f = (p: string): string => path.join(CONFORMANCE, p);

describe("conformance: run rows (real containers)", { skip }, () => {
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
    const ids = new Set(otel.scenarios[0].steps.map((s: { service: string }) => s.service));
    assert.deepEqual([...ids], ["otel_service"]);
    assert.match(otel.scenarios[0].steps[3].stdout, /OTEL_SERVICE_NAME=validation-test-service/);
    assert.deepEqual(managedResources(report.run_id), { containers: [], networks: [] });
  });

  it("determinism_docker_test: PASS, and two runs give the same digest", async () => {
    const digests: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = path.join(dir, `d${i}.txt`);
      const r = await run(["tests/determinism_docker_test.clnrm.toml"], ["--digest", out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /PASS determinism_docker_validation/);
      digests.push(fs.readFileSync(out, "utf8"));
    }
    assert.equal(digests[0], digests[1]);
  });

  it("attack_a_echo: FAIL, exit 1, first rule expect.span[clnrm.run].existence", async () => {
    const r = await run(
      ["tests/red_team/attack_a_echo.clnrm.toml"],
      ["--report-json", path.join(dir, "a.json")],
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL attack_a_echo_pass/);
    assert.match(
      r.stdout,
      /first failing rule:\n\s+expect\.span\[clnrm\.run\]\.existence: no span named "clnrm\.run" was received/,
    );
    const report = JSON.parse(fs.readFileSync(path.join(dir, "a.json"), "utf8"));
    assert.equal(report.tests[0].first_failure.rule, "expect.span[clnrm.run].existence");
    assert.equal(report.tests[0].counts.spans, 0);
    // the echo really ran: the scenario itself passed; only the telemetry is missing
    assert.match(report.tests[0].scenarios[0].steps[0].stdout, /All tests passed/);
  });

  it("without the alias, a missing image gives one clear error naming the image and the alias option", async () => {
    const r = await runCli(["run", f("tests/basic.clnrm.toml")], { cwd: tmpDir() });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /image alpine:latest is not present locally and cannot be pulled/);
    assert.match(r.stdout, /\[images\.aliases\] "alpine:latest"/);
  });
});
