/**
 * The settings behind stop and timeouts, without Docker: project defaults and overrides, the
 * service keys, a timeout finding naming its setting, and an image pull that never finishes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { loadProjectConfig } from "../../src/config/project.js";
import { loadTestSource } from "../../src/config/load.js";
import { checkOutput } from "../../src/engine/assertions.js";
import { DockerBackend } from "../../src/engine/docker/docker-backend.js";
import { createContext } from "../../src/engine/stages/context.js";
import { tmpDir } from "../helpers/env.js";

describe("stop and timeout settings", () => {
  // Mutation caught: a setting parsed but not carried into the model (the old state of
  // startup_timeout for health checks, which always had their own 30 s).
  it("cleanroom.toml: stop_timeout, pull_timeout, step and test timeouts, with defaults", () => {
    const dflt = loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults", env: {} });
    assert.deepEqual(
      [dflt.stopTimeoutMs, dflt.pullTimeoutMs, dflt.stepTimeoutMs, dflt.testTimeoutMs],
      [10_000, 300_000, 60_000, 300_000],
    );
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "cleanroom.toml"),
      '[containers]\nstop_timeout = "2s"\npull_timeout = "1m"\nstartup_timeout = "5s"\n' +
        '[test_execution]\nstep_timeout = "7s"\ndefault_timeout = "9s"\n',
    );
    const p = loadProjectConfig({ cwd: dir, env: {} });
    assert.deepEqual(
      [p.stopTimeoutMs, p.pullTimeoutMs, p.startupTimeoutMs, p.stepTimeoutMs, p.testTimeoutMs],
      [2000, 60_000, 5000, 7000, 9000],
    );
  });

  it("service keys: stop_timeout_ms, allow_exit; no health check timeout by default", async () => {
    const { config } = await loadTestSource(
      `[meta]\nname = "t"\n[service.a]\nimage = "x"\nstop_timeout_ms = 250\nallow_exit = true
health_check = { log = "up" }\n[service.b]\nimage = "x"\n[[scenario]]\nname = "s"\nrun = "true"\n`,
      "t.clnrm.toml",
      { env: {} },
    );
    const [a, b] = config!.services;
    assert.equal(a?.stopTimeoutMs, 250);
    assert.equal(a?.allowExit, true);
    assert.equal(a?.healthCheck?.timeoutMs, undefined);
    assert.equal(b?.stopTimeoutMs, undefined);
    assert.equal(b?.allowExit, false);
  });

  it("a timeout finding says what timed out, after how long, and which setting", () => {
    const f = checkOutput(
      "scenario[x]",
      { expectedExitCode: 0 },
      { exitCode: 137, stdout: "", stderr: "", durationMs: 1003, timedOut: true },
      { what: 'scenario "x"', ms: 1000, source: "[test_execution] step_timeout" },
    );
    assert.equal(f?.rule, "scenario[x].timeout");
    assert.match(
      f!.message,
      /^scenario "x" timed out after 1000 ms \(\[test_execution\] step_timeout\)/,
    );
  });

  // Mutation caught: a pull without a bound (this test would hang until the runner's timeout).
  // The registry is unreachable here, so the engine is a stand-in whose pull never finishes.
  it("a pull that does not finish is abandoned after [containers] pull_timeout", async () => {
    const stream = new PassThrough();
    const docker = {
      getImage: () => ({
        inspect: async () => {
          throw Object.assign(new Error("no such image"), { statusCode: 404 });
        },
      }),
      pull: async () => stream,
      modem: {
        followProgress: (s: PassThrough, done: (e: Error | null) => void) =>
          s.on("end", () => done(null)),
      },
    } as unknown as Docker;
    const project = {
      ...loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults", env: {} }),
      pullTimeoutMs: 100,
    };
    const { config } = await loadTestSource(
      '[meta]\nname = "p"\n[[scenario]]\nname = "s"\nrun = "true"\n',
      "p.clnrm.toml",
      { env: {} },
    );
    const ctx = createContext(
      config!,
      { backend: new DockerBackend(docker), project, runId: "u" },
      {},
    );
    const t0 = Date.now();
    await assert.rejects(ctx.image("some/image:1"), (e: Error & { kind?: string }) => {
      assert.equal(e.kind, "Timeout");
      assert.match(
        e.message,
        /^pulling image some\/image:1 timed out after 100 ms \(\[containers\] pull_timeout\)$/,
      );
      return true;
    });
    ctx.clearDeadline();
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(stream.destroyed, true);
  });
});
