/**
 * Execution semantics with real containers: where steps run, argv, env, timeouts, readiness
 * (limits, pull policy and fail-fast: engine-policy.test.ts; hermetic networks: hermetic.test.ts).
 * Mutations (by hand) each check was seen to catch:
 * - depends_on: startOrder() returning declaration order → checker never sees "hello".
 * - wait_for_span probe dropped / HTTP probe dropped (src/engine/readiness.ts) → the scenario
 *   fetches before the service serves (with the 3 s delays; 1 s was not enough on a loaded
 *   machine).
 * - Docker healthcheck not set on the container (docker = true ignored) → the run count stops
 *   growing after readiness.
 * - step containerId reported wrong → the ids differ from the container's hostname.
 * - readiness.txt written with a constant text (src/report/bundle.ts) → the diagnostics check.
 * - (the hung-command check uses the test's own duration, not the wall time of a CLI start-up)
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runCli, testBench, writeTest, suite } from "../helpers/env.js";

suite("engine (real containers)", ["docker"], () => {
  const bench = testBench();
  const { dir, run } = bench;

  it(
    "steps run in the named service's container (state " +
      "persists), with argv exactly as written and merged env",
    async () => {
      const r = await run(
        "svc.clnrm.toml",
        `[test.metadata]
name = "svc"
[services.app]
image = "alpine:latest"
env = { FROM_SERVICE = "svc", SHARED = "service" }
[[steps]]
name = "write"
service = "app"
command = ["sh", "-c", "echo marker > /tmp/state && hostname"]
[[steps]]
name = "read"
service = "app"
command = ["cat", "/tmp/state"]
expected_output_regex = "^marker$"
[[steps]]
name = "argv"
service = "app"
command = ["printf", "[%s]", "a b", "'c'", "$HOME", "x;y"]
expected_output_regex = "^\\\\[a b\\\\]\\\\['c'\\\\]\\\\[\\\\$HOME\\\\]\\\\[x;y\\\\]$"
[[steps]]
name = "env"
service = "app"
command = ["sh", "-c", "echo $FROM_SERVICE/$SHARED/$FROM_STEP"]
env = { SHARED = "step", FROM_STEP = "yes" }
expected_output_regex = "^svc/step/yes$"
`,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const steps = r.test.scenarios[0].steps as { container_id: string; stdout: string }[];
      // one container for every step: the same id in the report, and it is the container the
      // first step ran in (a container's hostname is the first 12 hex digits of its id)
      const ids = [...new Set(steps.map((s) => s.container_id))];
      assert.equal(ids.length, 1, JSON.stringify(ids));
      assert.match(ids[0]!, /^[0-9a-f]{64}$/);
      assert.equal(steps[0]!.stdout.trim(), ids[0]!.slice(0, 12));
      assert.equal(steps[2]!.stdout, "[a b]['c'][$HOME][x;y]");
    },
  );

  it(
    "a failing step reports expected vs actual; " +
      "continue_on_failure and expected_exit_code are honoured",
    async () => {
      const r = await run(
        "fail.clnrm.toml",
        `[test.metadata]
name = "fail"
[[steps]]
name = "nonzero_expected"
command = ["sh", "-c", "exit 3"]
expected_exit_code = 3
[[steps]]
name = "wrong_output"
command = ["echo", "actual text"]
expected_output_regex = "^wanted$"
continue_on_failure = true
[[steps]]
name = "still_runs"
command = ["echo", "ran"]
[[steps]]
name = "bad_exit"
command = ["sh", "-c", "echo oops >&2; exit 2"]
[[steps]]
name = "skipped"
command = ["echo", "never"]
`,
      );
      assert.equal(r.code, 1, r.stdout);
      const [a, b, c, d, e] = r.test.scenarios[0].steps;
      assert.deepEqual(
        [a.status, b.status, c.status, d.status, e.status],
        ["passed", "failed", "passed", "failed", "skipped"],
      );
      assert.equal(r.test.first_failure.rule, "steps.step[wrong_output].expected_output_regex");
      assert.equal(b.failure.actual, "actual text");
      assert.match(d.failure.message, /exit code 2, expected 0; stderr: oops/);
    },
  );

  it("a service container that dies is reported with its exit code and last logs", async () => {
    const r = await run(
      "dies.clnrm.toml",
      '[test.metadata]\nname = "dies"\n[services.x]\nimage = "alpine:latest"\n' +
        'args = ["sh", "-c", "echo going away; exit 4"]\n' +
        '[[steps]]\nname = "s"\nservice = "x"\ncommand = ["echo", "hi"]\n',
    );
    assert.equal(r.code, 1, r.stdout);
    // A race with two honest outcomes: the container is gone before the step is exec'd (a
    // Service error at the step), or on a loaded machine the exec wins and the service's exit
    // is found when clnrm stops the services (finding service.x.exit). Both name code 4 and logs.
    if (r.test.error) {
      assert.equal(r.test.error.kind, "Service");
      assert.match(
        r.test.error.message,
        new RegExp(
          /step "s": the container of "x" is not running \(it exited with code 4\)/.source +
            /\n\s+last log lines:\n\s+going away/.source,
        ),
      );
    } else {
      const f = r.test.findings.find((x: { rule: string }) => x.rule === "service.x.exit");
      assert.ok(f, JSON.stringify(r.test.findings));
      assert.match(
        f.message,
        /exited with code 4 before the test ended\n\s+last log lines:\n\s+going away/,
      );
    }
  });

  it("a hung command is killed at its timeout and reported as such", async () => {
    const r = await run(
      "hang.clnrm.toml",
      `[meta]
name = "hang"
[service.s]
image = "alpine:latest"
[[scenario]]
name = "sleeper"
service = "s"
run = "sleep 60"
timeout_ms = 1500
[[scenario]]
name = "step_sleeper"
service = "s"
steps = [{ name = "nap", command = ["sleep", "60"], timeout_ms = 1000 }]
`,
    );
    assert.equal(r.code, 1);
    // the test's own duration (the CLI's start-up on a loaded machine is not the point here):
    // waiting for both sleeps takes ≥ 120 s; 55 s leaves room for a loaded machine (20 s failed
    // at load 18)
    assert.ok(
      r.test.duration_ms < 55_000,
      `the run must not wait for sleep 60: ${r.test.duration_ms}ms`,
    );
    assert.equal(r.test.findings[0].rule, "scenario[sleeper].timeout");
    assert.equal(r.test.findings[1].rule, "scenario[step_sleeper].step[nap].timeout");
    assert.ok(r.test.scenarios[0].steps[0].timed_out);
  });

  it(
    "a failing health check reports what it " +
      "checked, what it saw, and the container's last log lines",
    async () => {
      const r = await run(
        "health.clnrm.toml",
        `[meta]
name = "health"
[service.db]
image = "alpine:latest"
args = ["sh", "-c", "echo booting; echo still-booting; sleep 60"]
health_check = { log = "ready to accept", timeout_ms = 1500, interval_ms = 100 }
[service.client]
image = "alpine:latest"
depends_on = ["db"]
[[scenario]]
name = "s"
service = "client"
run = "true"
`,
      );
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.test.error.kind, "Timeout");
      assert.match(r.test.error.message, /service "db" \(alpine:latest\): not ready after \d+ms/);
      assert.match(
        r.test.error.message,
        /checked: log line \/ready to accept\/ seen 1×; observed: seen 0×/,
      );
      assert.match(r.test.error.message, /last log lines:\n\s+booting\n\s+still-booting/);
      const db = r.report.tests[0];
      assert.equal(db.scenarios.length, 0);
      // the failure bundle's readiness.txt carries the same diagnostics (not a placeholder)
      const bundle = /failure bundle: (\S+)/.exec(r.stdout);
      assert.ok(bundle, r.stdout);
      const readiness = fs.readFileSync(
        path.join(path.resolve(dir, bundle[1]!), "readiness.txt"),
        "utf8",
      );
      assert.match(readiness, /service "db" \(alpine:latest\): not ready after \d+ms/);
      assert.match(readiness, /checked: log line \/ready to accept\/ seen 1×; observed: seen 0×/);
      assert.match(readiness, /last log lines:\n\s+booting\n\s+still-booting/);
    },
  );

  it(
    "services start in depends_on order (not " +
      "declaration order) and pass command and TCP health checks",
    async () => {
      // checker is declared first and depends on web. At its start it fetches web's page and
      // only then serves what it fetched: if checker started before web was ready (declaration
      // order, or no wait for web's TCP check), the fetch fails, checker's command health check
      // times out and the scenario never sees "hello".
      const r = await run(
        "deps.clnrm.toml",
        `[meta]
name = "deps"
[service.checker]
image = "alpine:latest"
args = ["sh", "-c", "mkdir -p /w && wget -q -O /w/seen http://web:8080/index.html\
 && httpd -f -p 8081 -h /w"]
depends_on = ["web"]
health_check = { cmd = ["wget", "-q", "-O", "-", "http://127.0.0.1:8081/seen"], timeout_ms = 4000 }
[service.web]
image = "alpine:latest"
args = ["sh", "-c", "sleep 0.5; mkdir -p /www && echo hello > /www/index.html\
 && httpd -f -p 8080 -h /www"]
health_check = { tcp_port = 8080, timeout_ms = 10000 }
[[scenario]]
name = "seen_at_start"
run = "wget -q -O - http://checker:8081/seen"
expected_output_regex = "^hello$"
`,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.test.scenarios[0].steps[0].stdout.trim(), "hello");
    },
  );

  it(
    "readiness: wait_for_span, HTTP status and " +
      "Docker's own healthcheck each gate the scenario",
    async () => {
      // Three tests, one gate each, run with -j 3. Each background service serves nothing for
      // 3 s (longer than starting a container on a loaded machine); each scenario (a container
      // of its own) fetches from it first thing, so it passes only if it waited for that gate.
      // For docker = true the health command also appends a line per run: the scenario sees the
      // count grow while it runs, which only Docker's HEALTHCHECK (still running after
      // readiness) does, not clnrm's own exec probe. On Podman (test/podman/engine.test.ts)
      // healthchecks need systemd timers: clnrm runs the check through the API while it waits,
      // and not after (README, engines), so there the scenario sees that it ran.
      const podman = process.env.CLNRM_TEST_ENGINE === "podman";
      const hcCheck = podman
        ? "[ $b -ge 1 ] && echo healthcheck-ran"
        : "[ $b -gt $a ] && echo docker-healthcheck-still-running";
      const hcSeen = podman ? "healthcheck-ran" : "docker-healthcheck-still-running";
      const body = JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: "ab".repeat(16),
                    spanId: "cd".repeat(8),
                    name: "api.ready",
                    startTimeUnixNano: "1",
                    endTimeUnixNano: "2",
                  },
                ],
              },
            ],
          },
        ],
      });
      const span = writeTest(
        dir,
        "ready-span.clnrm.toml",
        `[meta]
name = "ready_span"
[otel]
exporter = "otlp"
[service.api]
image = "alpine:latest"
args = ["sh", "-c", "sleep 3; mkdir -p /w && echo span-sent > /w/ready && httpd -p 8080 -h /w;\
 wget -q -O - --header=Content-Type:application/json --post-data=\\"$BODY\\"\
 $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; sleep 60"]
env = { BODY = '${body}' }
wait_for_span = "api.ready"
[[scenario]]
name = "after_span"
run = "wget -q -O - http://api:8080/ready"
expected_output_regex = "^span-sent$"
[[expect.span]]
name = "api.ready"
`,
      );
      const http = writeTest(
        dir,
        "ready-http.clnrm.toml",
        `[meta]
name = "ready_http"
[service.web]
image = "alpine:latest"
args = ["sh", "-c", "sleep 3; mkdir -p /w && echo ok > /w/health && httpd -f -p 8080 -h /w"]
health_check = { http = { port = 8080, path = "/health", status = 200 }, timeout_ms = 15000 }
[[scenario]]
name = "after_http"
run = "wget -q -O - http://web:8080/health"
expected_output_regex = "^ok$"
`,
      );
      const hc = writeTest(
        dir,
        "ready-dockerhc.clnrm.toml",
        `[meta]
name = "ready_dockerhc"
[service.dockerhc]
image = "alpine:latest"
args = ["sh", "-c", "sleep 3; mkdir -p /w && touch /w/up && httpd -f -p 8080 -h /w"]
health_check = { cmd = ["sh", "-c", "echo run >> /w/hc-runs; test -f /w/up"],\
 docker = true, interval_ms = 200, timeout_ms = 15000 }
[[scenario]]
name = "after_healthy"
run = "sh -c 'get() { wget -q -O - http://dockerhc:8080/$1; }; get up || exit 7;\
 a=$(get hc-runs | wc -l); sleep 1.2; b=$(get hc-runs | wc -l);\
 ${hcCheck}'"
expected_output_regex = "^${hcSeen}$"
`,
      );
      const json = path.join(dir, "ready.json");
      const r = await runCli(
        ["-c", bench.config, "run", "-j", "3", "--no-cache", "--report-json", json, span, http, hc],
        { cwd: dir },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const tests = JSON.parse(fs.readFileSync(json, "utf8")).tests;
      assert.deepEqual(
        tests.map((t: { scenarios: { steps: { stdout: string }[] }[] }) =>
          t.scenarios[0]!.steps[0]!.stdout.trim(),
        ),
        ["span-sent", "ok", hcSeen],
      );
    },
  );

  it(
    "leaves no labelled container or network " + "behind (of its own runs: the engine is shared)",
    () => {
      assert.deepEqual(bench.leftovers(), { containers: [], networks: [] });
    },
  );
});
