/**
 * Execution semantics with real containers: where steps run, argv, env, timeouts, readiness,
 * hermetic networks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { dockerSkip, managedResources, runCli, testBench, writeTest } from "../helpers/env.js";

describe("engine (real containers)", { skip: dockerSkip }, () => {
  const bench = testBench();
  const { dir, run } = bench;

  it("steps run in the named service's container (state persists), with argv exactly as written and merged env", async () => {
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
    const steps = r.test.scenarios[0].steps;
    assert.equal(new Set(steps.map((s: { service: string }) => s.service)).size, 1);
    assert.equal(steps[2].stdout, "[a b]['c'][$HOME][x;y]");
  });

  it("a failing step reports expected vs actual; continue_on_failure and expected_exit_code are honoured", async () => {
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
  });

  it("a service container that dies is reported with its exit code and last logs", async () => {
    const r = await run(
      "dies.clnrm.toml",
      '[test.metadata]\nname = "dies"\n[services.x]\nimage = "alpine:latest"\nargs = ["sh", "-c", "echo going away; exit 4"]\n[[steps]]\nname = "s"\nservice = "x"\ncommand = ["echo", "hi"]\n',
    );
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.test.error.kind, "Service");
    assert.match(
      r.test.error.message,
      /step "s": the container of "x" is not running \(it exited with code 4\)\n\s+last log lines:\n\s+going away/,
    );
  });

  it("a hung command is killed at its timeout and reported as such", async () => {
    const t0 = Date.now();
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
    assert.ok(Date.now() - t0 < 20_000, "the run must not wait for sleep 60");
    assert.equal(r.test.findings[0].rule, "scenario[sleeper].timeout");
    assert.equal(r.test.findings[1].rule, "scenario[step_sleeper].step[nap].timeout");
    assert.ok(r.test.scenarios[0].steps[0].timed_out);
  });

  it("a failing health check reports what it checked, what it saw, and the container's last log lines", async () => {
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
  });

  it("services start in depends_on order and pass command and TCP health checks", async () => {
    const r = await run(
      "deps.clnrm.toml",
      `[meta]
name = "deps"
[service.web]
image = "alpine:latest"
args = ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && httpd -f -p 8080 -h /www"]
health_check = { tcp_port = 8080, timeout_ms = 10000 }
[service.checker]
image = "alpine:latest"
args = ["sh", "-c", "touch /tmp/up; sleep 60"]
depends_on = ["web"]
health_check = { cmd = ["test", "-f", "/tmp/up"], timeout_ms = 10000 }
[[scenario]]
name = "fetch"
run = "wget -q -O - http://web:8080/index.html"
expected_output_regex = "hello"
`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("a hermetic network has no egress (the same probe reaches the listener from a normal network), while services still reach each other", async () => {
    // A listener container of our own on another network of ours, published on that network's
    // gateway.
    const docker = (...args: string[]): string => {
      const r = spawnSync("/usr/bin/docker", args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const tag = `clnrm-egress-${process.pid}`;
    const port = 20000 + (process.pid % 10000);
    docker("network", "create", "--label", "clnrm.egress-test=true", tag);
    try {
      const gw = docker("network", "inspect", "-f", "{{ (index .IPAM.Config 0).Gateway }}", tag);
      docker(
        "run",
        "-d",
        "--name",
        tag,
        "--network",
        tag,
        "-p",
        `${gw}:${port}:8080`,
        "--label",
        "clnrm.egress-test=true",
        "clnrm/busybox:local",
        "sh",
        "-c",
        "mkdir -p /w && echo outside > /w/i && httpd -f -p 8080 -h /w",
      );
      const toml = `[meta]
name = "egress"
[service.inner]
image = "alpine:latest"
args = ["sh", "-c", "mkdir -p /w && echo inside > /w/i && httpd -f -p 8080 -h /w"]
health_check = { tcp_port = 8080 }
[[scenario]]
name = "reach_inner"
run = "wget -q -O - http://inner:8080/i"
expected_output_regex = "inside"
[[scenario]]
name = "probe"
run = "sh -c 'sleep 0.5; if timeout 3 wget -q -O - http://{{ target }}/i; then echo REACHED; else echo BLOCKED; fi'"
`;
      const open = await run("egress.clnrm.toml", toml, ["--map", `target=${gw}:${port}`]);
      assert.equal(open.code, 0, open.stdout + open.stderr);
      assert.match(open.test.scenarios[1].steps[0].stdout, /outside\nREACHED/);
      const sealed = await run("egress-hermetic.clnrm.toml", toml, [
        "--hermetic",
        "--map",
        `target=${gw}:${port}`,
      ]);
      assert.equal(sealed.code, 0, sealed.stdout + sealed.stderr);
      assert.equal(sealed.test.scenarios[1].steps[0].stdout.trim(), "BLOCKED");
      assert.equal(sealed.test.scenarios[0].steps[0].stdout.trim(), "inside");
    } finally {
      spawnSync("/usr/bin/docker", ["rm", "-f", tag]);
      spawnSync("/usr/bin/docker", ["network", "rm", tag]);
    }
  });

  it("readiness: wait_for_span, HTTP status and Docker healthcheck gate the scenario", async () => {
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
    const r = await run(
      "ready.clnrm.toml",
      `[meta]
name = "ready"
[otel]
exporter = "otlp"
[service.api]
image = "alpine:latest"
args = ["sh", "-c", "sleep 1; wget -q -O - --header=Content-Type:application/json --post-data=\\"$BODY\\" $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; touch /tmp/ready; sleep 60"]
env = { BODY = '${body}' }
wait_for_span = "api.ready"
[service.web]
image = "alpine:latest"
args = ["sh", "-c", "sleep 1; mkdir -p /w && echo ok > /w/health && httpd -f -p 8080 -h /w"]
health_check = { http = { port = 8080, path = "/health", status = 200 }, timeout_ms = 15000 }
[service.dockerhc]
image = "alpine:latest"
args = ["sh", "-c", "sleep 1; touch /tmp/up; sleep 60"]
health_check = { cmd = ["test", "-f", "/tmp/up"], docker = true, interval_ms = 200, timeout_ms = 15000 }
[[scenario]]
name = "after_ready"
run = "wget -q -O - http://web:8080/health"
expected_output_regex = "^ok$"
[[expect.span]]
name = "api.ready"
`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("limits are applied to the container", async () => {
    const r = await run(
      "limits.clnrm.toml",
      `[meta]
name = "limits"
[limits]
memory_mb = 64
cpu_millicores = 500
[[scenario]]
name = "mem"
run = "sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'"
expected_output_regex = "^67108864$"
`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("pull_policy never: a missing image is one clear error naming the image, not a hang", async () => {
    const cfg = path.join(dir, "never.toml");
    fs.writeFileSync(cfg, '[containers]\npull_policy = "never"\n');
    const file = writeTest(
      dir,
      "never.clnrm.toml",
      '[meta]\nname = "never"\n[service.x]\nimage = "clnrm/does-not-exist:1"\n[[scenario]]\nname = "s"\nservice = "x"\nrun = "true"\n',
    );
    const r = await runCli(["-c", cfg, "run", file], { cwd: dir });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /image clnrm\/does-not-exist:1 is not present locally and cannot be pulled \(pull_policy is "never"\)/,
    );
  });

  it("-j 1 --fail-fast stops starting tests after the first failure; results keep input order", async () => {
    const files = ["a", "b", "c"].map((n, i) =>
      writeTest(
        dir,
        `ff-${n}.clnrm.toml`,
        `[meta]\nname = "ff_${n}"\n[[scenario]]\nname = "s"\nrun = "${i === 0 ? "false" : "true"}"\n`,
      ),
    );
    const r = await runCli(
      ["-c", bench.config, "run", "-j", "1", "--fail-fast", "--no-cache", ...files],
      { cwd: dir },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /FAIL ff_a in[\s\S]*FAIL .*ff-b\.clnrm\.toml[\s\S]*not run: --fail-fast stopped after a failure[\s\S]*FAIL .*ff-c\.clnrm\.toml/,
    );
    assert.doesNotMatch(r.stdout, /RUN .*ff-b/);
  });

  it("leaves no labelled container or network behind", () => {
    assert.deepEqual(managedResources(), { containers: [], networks: [] });
  });
});
