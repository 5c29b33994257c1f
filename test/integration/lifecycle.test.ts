/** Cleanup guarantees: Ctrl-C in the middle of a run, and SIGKILL followed by another run. */
import { it, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  aliasConfig,
  CLI,
  managedResources,
  runCli,
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

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite("cleanup on interruption (real containers)", ["docker"], () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = tmpDir();
    config = aliasConfig(dir);
  });

  const start = (sig?: NodeJS.Signals) => {
    const file = writeTest(dir, "slow.clnrm.toml", SLOW);
    const child = spawn(process.execPath, [CLI, "-c", config, "run", file], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    return { child, done, out: () => out, sig };
  };

  it("SIGINT mid-run: stops, removes every container and network, exits 130", async () => {
    const p = start();
    await waitFor(() => managedResources().containers.length >= 2, 20_000);
    const t0 = Date.now();
    p.child.kill("SIGINT");
    const { code } = await p.done;
    assert.equal(code, 130, p.out());
    assert.ok(Date.now() - t0 < 15_000, "interrupt must not wait for sleep 300");
    assert.match(p.out(), /SIGINT: stopping/);
    assert.deepEqual(managedResources(), { containers: [], networks: [] });
  });

  it("SIGKILL leaves resources; the next run sweeps them", async () => {
    const p = start();
    await waitFor(() => managedResources().containers.length >= 2, 20_000);
    p.child.kill("SIGKILL");
    await p.done;
    const left = managedResources();
    assert.ok(
      left.containers.length >= 2 && left.networks.length >= 1,
      "a killed run cannot clean up",
    );
    const quick = writeTest(
      dir,
      "quick.clnrm.toml",
      '[meta]\nname = "quick"\n[[scenario]]\nname = "q"\nrun = "true"\n',
    );
    const r = await runCli(["-c", config, "run", quick], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /swept \d+ container\(s\) and \d+ network\(s\) left by runs that died/);
    assert.deepEqual(managedResources(), { containers: [], networks: [] });
  });
});
