/**
 * `clnrm services status|logs` find clnrm's containers by their labels on the real engine.
 * The container here is made by the test (labelled as a live run of this test process, so no
 * concurrent clnrm run sweeps it) and removed at the end. Mutations caught: status from an
 * in-process registry (upstream: always "none"): the container is not listed; logs fabricated
 * or from another container: the line is missing.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { runCli, suite } from "../helpers/env.js";

const DOCKER = "/usr/bin/docker";

suite("services status and logs (real engine)", ["docker"], () => {
  it("lists a leftover run's container and prints its logs", async () => {
    const runId = `svc-test-${process.pid}-${Date.now()}`;
    const name = `clnrm-${runId}`;
    execFileSync(DOCKER, [
      "run",
      "-d",
      "--name",
      name,
      "--label",
      "clnrm.managed=true",
      "--label",
      `clnrm.run-id=${runId}`,
      "--label",
      `clnrm.pid=${process.pid}`,
      "--label",
      `clnrm.host=${hostname()}`,
      "--label",
      "clnrm.test=svc_test",
      "clnrm/busybox:local",
      "sh",
      "-c",
      "echo hello-from-service; sleep 60",
    ]);
    try {
      const status = await runCli(["services", "status", "--run-id", runId]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`run ${runId} \\(live, pid ${process.pid}\\)`));
      assert.match(
        status.stdout,
        new RegExp(`${name}\\s+running\\s+clnrm/busybox:local\\s+test svc_test`),
      );
      let logs = await runCli(["services", "logs", name]);
      for (let i = 0; i < 20 && !logs.stdout.includes("hello"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        logs = await runCli(["services", "logs", name]);
      }
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(logs.stdout, /hello-from-service/);
      const none = await runCli(["services", "logs", `${name}-nope`]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no clnrm-managed container named/);
    } finally {
      // a concurrent clnrm run may be sweeping this "dead run" container already: not an error
      spawnSync(DOCKER, ["rm", "-f", name]);
    }
  });
});
