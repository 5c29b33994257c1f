/**
 * Honest verdicts with real containers and real OTLP: graceful stop before judging, a trace that
 * is complete only after the stop, service crashes, every timeout naming its setting, env
 * precedence. Several test files share one CLI run (-j) to keep CI time down.
 */
import { it, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runCli, suite, tmpDir, writeTest } from "../helpers/env.js";
import { sigtermTest } from "../helpers/fixtures.js";

const ALIASES = '[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n';

interface Run {
  code: number | null;
  out: string;
  tests: Map<string, any>;
}

async function runAll(config: string, files: Record<string, string>): Promise<Run> {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "cleanroom.toml"), config);
  const paths = Object.entries(files).map(([n, t]) => writeTest(dir, `${n}.clnrm.toml`, t));
  const json = path.join(dir, "report.json");
  const r = await runCli(["run", "--no-cache", "-j", "3", "--report-json", json, ...paths], {
    cwd: dir,
    timeoutMs: 240_000,
  });
  const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : { tests: [] };
  return {
    code: r.code,
    out: r.stdout + r.stderr,
    tests: new Map(report.tests.map((t: any) => [t.name, t])),
  };
}

suite("honest verdicts (real containers, real OTLP)", ["docker"], () => {
  let run: Run;
  before(async () => {
    run = await runAll(ALIASES, {
      flush_ok: sigtermTest(
        "flush_ok",
        "ok",
        '[[expect.span]]\nname = "shutdown"\n[expect.status]\nall = "OK"\n',
      ),
      flush_error: sigtermTest("flush_error", "error", '[expect.status]\nall = "OK"\n'),
      late_span: sigtermTest(
        "late_span",
        "late",
        '[[expect.span]]\nname = "work"\n[expect.counts]\nby_name = { "work" = { lte = 1 } }\n',
      ),
      crash: `[meta]
name = "crash"
[service.flaky]
image = "alpine:latest"
args = ["sh", "-c", "echo ready; sleep 1.5; echo boom-crash >&2; exit 3"]
health_check = { log = "ready" }
[service.job]
image = "alpine:latest"
args = ["sh", "-c", "echo ready; sleep 1.5; exit 4"]
health_check = { log = "ready" }
allow_exit = true
[[scenario]]
name = "outlive"
run = "sleep 4"
`,
      env_precedence: `[meta]
name = "env_precedence"
[service.svc]
image = "alpine:latest"
env = { WHO = "service", ONLY_SVC = "svc-only" }
[[scenario]]
name = "env"
service = "svc"
run = "sh -c 'echo $WHO/$ONLY_SVC'"
env = { WHO = "scenario" }
expected_output_regex = "^scenario/svc-only$"
`,
    });
  });

  // Mutation caught: stopping services with a force remove (SIGKILL) before the trace is settled
  // loses the span flushed at shutdown (existence fails); so does closing the receiver first.
  it("a server that flushes an OK span only on SIGTERM passes", () => {
    const t = run.tests.get("flush_ok");
    assert.equal(t?.verdict, "pass", run.out);
    assert.equal(t.telemetry.spans, 1);
    // status.all can be broken by one more span: the wait ends by quiet, never "satisfied".
    assert.equal(t.telemetry.completion, "quiet");
  });

  // Mutation caught: the same force remove makes this test pass with zero spans (fake green).
  it("a server that flushes an ERROR span on SIGTERM fails on expect.status", () => {
    const t = run.tests.get("flush_error");
    assert.equal(t?.verdict, "fail", run.out);
    assert.match(t.first_failure.rule, /^expect\.status/);
    assert.match(t.first_failure.message, /ERROR/);
  });

  // Mutation caught: judging before the stop (the rules hold on the first "work" span; the second
  // comes only on SIGTERM). canEndEarly itself is checked in test/unit/completion.test.ts.
  it("a late span that breaks a counts lte rule fails (no early verdict)", () => {
    const t = run.tests.get("late_span");
    assert.equal(t?.verdict, "fail", run.out);
    assert.equal(t.first_failure.rule, "expect.counts.by_name[work]");
    assert.equal(t.telemetry.spans, 2);
  });

  // Mutation caught: dropping the exit check before the stop (or ignoring allow_exit) passes
  // this test, or reports two findings.
  it("a service that crashes after it became ready is a finding with its logs", () => {
    const t = run.tests.get("crash");
    assert.equal(t?.verdict, "fail", run.out);
    const exits = t.findings.filter((f: any) => /^service\..*\.exit$/.test(f.rule));
    assert.deepEqual(
      exits.map((f: any) => f.rule),
      ["service.flaky.exit"],
    );
    assert.match(exits[0].message, /exited with code 3 before the test ended/);
    assert.match(exits[0].message, /last log lines:[\s\S]*boom-crash/);
  });

  // Mutation caught: merging the service env after the scenario env (the old order).
  it("scenario env overrides service env; the rest of the service env stays", () => {
    const t = run.tests.get("env_precedence");
    assert.equal(t?.verdict, "pass", run.out);
    assert.match(t.scenarios[0].steps[0].stdout, /^scenario\/svc-only/);
  });
});

suite("every timeout fires and names its setting (real containers)", ["docker"], () => {
  let run: Run;
  before(async () => {
    run = await runAll(
      `${ALIASES}[containers]\nstartup_timeout = "1500ms"\n[test_execution]\nstep_timeout = "1s"\n`,
      {
        hung: '[meta]\nname = "hung"\n[[scenario]]\nname = "hang"\nrun = "sleep 1000"\n',
        slow_start: `[meta]
name = "slow_start"
[service.db]
image = "alpine:latest"
args = ["sh", "-c", "echo booting; sleep 1000"]
health_check = { log = "never-ready" }
[[scenario]]
name = "s"
run = "true"
`,
        whole_test: `[test.metadata]
name = "whole_test"
timeout = "2s"
[[steps]]
name = "long"
command = ["sleep", "1000"]
timeout_ms = 60000
`,
      },
    );
  });

  // Mutation caught: a scenario without timeout_ms waiting forever (the CLI run would hit its own
  // 240 s kill), or the default not coming from [test_execution] step_timeout.
  it("a scenario without timeout_ms is bounded by [test_execution] step_timeout", () => {
    const t = run.tests.get("hung");
    assert.equal(t?.verdict, "fail", run.out);
    assert.equal(t.first_failure.rule, "scenario[hang].timeout");
    assert.match(
      t.first_failure.message,
      /^scenario "hang" timed out after 1000 ms \(\[test_execution\] step_timeout\)/,
    );
  });

  // Mutation caught: readiness falling back to the old 30 s health-check default instead of
  // [containers] startup_timeout.
  it("[containers] startup_timeout is the readiness deadline", () => {
    const t = run.tests.get("slow_start");
    assert.equal(t?.error?.kind, "Timeout", run.out);
    assert.match(
      t.error.message,
      /readiness timeout is 1500 ms \(\[containers\] startup_timeout\)/,
    );
  });

  // Mutation caught: no test-level deadline (the step's own 60 s bound would fire instead).
  it("the test's own timeout bounds the whole test", () => {
    const t = run.tests.get("whole_test");
    assert.equal(t?.error?.kind, "Timeout", run.out);
    assert.match(
      t.error.message,
      /test "whole_test" timed out after 2000 ms \(\[test\.metadata\] timeout\)/,
    );
    assert.ok(t.duration_ms < 20_000, `took ${t.duration_ms} ms`);
  });
});
