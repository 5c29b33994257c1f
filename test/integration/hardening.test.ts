/**
 * Hardening with real containers (issue 12).
 * Mutations caught: exec timeout through process.kill(hostPid) (the recorded process.kill call
 * fails the test; killing only `sh` leaves `sleep` holding the stream for 30 s); no OOMKilled
 * check (the finding is a plain exit code 137); no span cap (the test passes with 12 spans);
 * JS RegExp for step output (upstream demo's `(?i)` is a SyntaxError and the multi-line cases
 * fail).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { DockerBackend } from "../../src/engine/docker/docker-backend.js";
import { runLabels } from "../../src/engine/backend.js";
import { dockerSkip, managedResources, testBench } from "../helpers/env.js";

describe("hardening (real containers)", { skip: dockerSkip }, () => {
  const bench = testBench();
  after(() => fs.rmSync(bench.dir, { recursive: true, force: true }));

  it("an exec timeout kills the process tree inside the container, never a host PID", async () => {
    const backend = new DockerBackend();
    const runId = `hardening-${process.pid}`;
    const id = await backend.start({
      image: "clnrm/busybox:local",
      cmd: ["sleep", "120"],
      env: {},
      // With pid and host: if this test dies before its finally, the next run's sweep removes it.
      labels: runLabels(runId),
    });
    const realKill = process.kill;
    const hostKills: unknown[] = [];
    process.kill = ((pid: number, sig?: string | number) => {
      hostKills.push([pid, sig]);
      return true;
    }) as typeof process.kill;
    try {
      const r = await backend.exec(id, ["sh", "-c", "sleep 30; echo late"], { timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
      assert.doesNotMatch(r.stdout, /late/);
      assert.deepEqual(hostKills, []);
      assert.equal((await backend.state(id)).running, true, "the container must survive");
      const again = await backend.exec(id, ["ps", "-o", "pid,stat,args"]);
      assert.doesNotMatch(again.stdout, /sleep 30/, again.stdout);
    } finally {
      process.kill = realKill;
      await backend.remove(id);
    }
    assert.deepEqual(managedResources(runId).containers, []);
  });

  it("a container killed by its memory limit is named as such", async () => {
    const r = await bench.run(
      "oom.clnrm.toml",
      `[meta]
name = "oom"
[service.hog]
image = "alpine:latest"
[[scenario]]
name = "eat"
service = "hog"
run = "tail /dev/zero"
[limits]
memory_mb = 16
`,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /killed: out of memory, limit 16 MiB/);
    assert.equal(r.test.first_failure.rule, "scenario[eat].oom_killed");
  });

  it("a test past its span cap fails with 'span limit reached'", async () => {
    const args = Array.from(
      { length: 12 },
      (_, i) =>
        `'{"name":"s${i}","trace_id":"${"ab".repeat(16)}",` +
        `"span_id":"${(i + 1).toString(16).padStart(16, "0")}"}'`,
    ).join(" ");
    const r = await bench.run(
      "cap.clnrm.toml",
      `[meta]
name = "cap"
[service.app]
image = "alpine:latest"
[[scenario]]
name = "emit"
service = "app"
run = '''printf '%s\\n' ${args}'''
artifacts.collect = ["spans:default"]
[[expect.span]]
name = "s0"
[limits]
max_spans = 5
`,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /span limit reached: kept 5 spans, dropped 7 more/);
    assert.equal(r.test.first_failure.rule, "limits.max_spans");
  });

  it("upstream's regex demo passes (its ten step patterns, rewritten)", async () => {
    const step = (name: string, cmd: string, key: string, re: string): string =>
      `[[steps]]\nname = "${name}"\ncommand = ["sh", "-c", ${JSON.stringify(cmd)}]\n${key} = ` +
      `${JSON.stringify(re)}\n`;
    const re = "expected_output_regex";
    const r = await bench.run(
      "regex-demo.clnrm.toml",
      `[test.metadata]\nname = "regex_demo"\n[services.regex_test]\ntype = ` +
        `"generic_container"\nplugin = "alpine"\nimage = "alpine:latest"\n${[
          step(
            "simple",
            "echo 'Operation completed successfully'",
            re,
            "Operation completed successfully",
          ),
          step(
            "multi",
            "echo 'Server started on port 8080' && echo 'Database connected' && echo 'Ready to " +
              "serve requests'",
            re,
            "Server started.*Database connected.*Ready to serve",
          ),
          step(
            "quant",
            "echo 'User 12345 created successfully'",
            re,
            "User \\d+ created successfully",
          ),
          step("case", "echo 'SUCCESS: Operation completed'", re, "(?i)success"),
          step(
            "negative",
            "echo 'Operation completed without errs'",
            `${re}_not`,
            "error|failed|exception",
          ),
          step(
            "groups",
            `echo 'API Response: {"status":"success","data":{"id":123}}'`,
            re,
            'API Response: \\{"status":"success".*"id":\\d+\\}',
          ),
          step(
            "lines",
            "echo 'Line 1: INFO' && echo 'Line 2: DEBUG' && echo 'Line 3: ERROR'",
            re,
            "^Line 3: ERROR$",
          ),
          step(
            "block",
            "echo 'Start of block' && echo 'Middle content' && echo 'End of block'",
            re,
            "Start of block.*End of block",
          ),
          step(
            "special",
            "echo 'Path: /home/user/file.txt' && echo 'Price: $19.99'",
            re,
            "Path: /home/user/.*\\.txt",
          ),
          step("unicode", "echo 'Message: Привет мир'", re, "Message: .*мир"),
        ].join("")}`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.test.scenarios[0].steps.length, 10);
  });
});
