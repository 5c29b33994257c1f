/**
 * Cleanup guarantees: SIGINT, SIGTERM and a second Ctrl-C in the middle of a run; SIGKILL
 * followed by another run; the sweeper sparing a live run; `clnrm sweep --run-id`.
 * Every check looks only at the resources of the clnrm process it started (label clnrm.pid),
 * so other runs on the same engine cannot make it pass or fail.
 * Mutations (by hand) each check was seen to catch:
 * - SIGTERM not handled (process.on("SIGTERM") removed in src/cli/commands/run.ts) → node
 *   dies by the signal: exit code null, containers left behind.
 * - the second-signal branch removed (a second Ctrl-C ignored) → the run waits for the
 *   graceful stop; no "SIGINT again" line.
 * - isSweepable() without the processAlive() check (src/engine/sweeper.ts) → the quick run
 *   sweeps the live run's containers.
 * - sweep --run-id ignoring the id → the live run's containers stay.
 */
import { it, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  aliasConfig,
  CLI,
  resourcesOfPid,
  runCli,
  runIdOf,
  tmpDir,
  writeTest,
  suite,
} from "../helpers/env.js";

const SLOW = `[meta]
name = "slow"
[service.bg]
image = "alpine:latest"
args = ["sleep", "300"]
[[scenario]]
name = "long"
run = "sleep 300"
`;
const QUICK = '[meta]\nname = "quick"\n[[scenario]]\nname = "q"\nrun = "true"\n';
const NONE = { containers: [], networks: [] };

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not met in ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite("cleanup on interruption (real containers)", ["docker"], () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = tmpDir();
    config = aliasConfig(dir);
  });

  /** A slow run, and a promise that resolves once both its containers are up. */
  const start = () => {
    const file = writeTest(dir, "slow.clnrm.toml", SLOW);
    const child = spawn(process.execPath, [CLI, "-c", config, "run", "--no-cache", file], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    const pid = child.pid!;
    const mine = () => resourcesOfPid(pid);
    const up = waitFor(() => mine().containers.length >= 2, 60_000, "two containers up");
    return { child, done, out: () => out, mine, up };
  };

  for (const sig of ["SIGINT", "SIGTERM"] as const)
    it(`${sig} mid-run: stops, removes the run's containers and networks, exits 130`, async () => {
      const p = start();
      await p.up;
      p.child.kill(sig);
      const { code } = await p.done;
      assert.equal(code, 130, p.out());
      assert.match(p.out(), new RegExp(`${sig}: stopping`));
      assert.deepEqual(p.mine(), NONE);
    });

  it("a second Ctrl-C removes the run's resources at once and exits 130", async () => {
    const p = start();
    await p.up;
    p.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill("SIGINT");
    const { code } = await p.done;
    assert.equal(code, 130, p.out());
    assert.match(p.out(), /SIGINT again: removing this run's containers and exiting/);
    assert.deepEqual(p.mine(), NONE);
  });

  it(
    "another run's sweep spares a live run; " + "`clnrm sweep --run-id` removes exactly that run",
    async () => {
      const p = start();
      try {
        await p.up;
        const before = p.mine();
        const quick = await runCli(
          ["-c", config, "run", writeTest(dir, "quick.clnrm.toml", QUICK)],
          {
            cwd: dir,
          },
        );
        assert.equal(quick.code, 0, quick.stdout + quick.stderr);
        assert.deepEqual(
          p.mine(),
          before,
          "a live run's resources must survive another run's sweep",
        );
        const runId = runIdOf(before.containers[0]!);
        assert.match(runId, /^[0-9a-z]+$/);
        const sw = await runCli(["sweep", "--run-id", runId], { cwd: dir });
        assert.equal(sw.code, 0, sw.stdout + sw.stderr);
        assert.match(sw.stdout, /removed [1-9]\d* container\(s\) and [1-9]\d* network\(s\)/);
        assert.deepEqual(p.mine(), NONE);
      } finally {
        p.child.kill("SIGINT");
        await p.done;
      }
    },
  );

  it("SIGKILL leaves resources; the next run sweeps them", async () => {
    const p = start();
    await p.up;
    p.child.kill("SIGKILL");
    await p.done;
    const left = p.mine();
    assert.ok(
      left.containers.length >= 2 && left.networks.length >= 1,
      "a killed run cannot clean up",
    );
    const r = await runCli(["-c", config, "run", writeTest(dir, "quick.clnrm.toml", QUICK)], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Any clnrm run on this host sweeps dead runs: on a shared engine another one may have got
    // there first. Either way the killed run's resources must be gone now.
    if (!/swept [1-9]\d* container\(s\) and \d+ network\(s\) left by runs that died/.test(r.stderr))
      process.stderr.write("note: another clnrm run swept the killed run's resources first\n");
    assert.deepEqual(p.mine(), NONE);
  });
});
