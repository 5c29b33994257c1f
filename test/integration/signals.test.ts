/**
 * SIGHUP and an uncaught exception clean up like SIGINT (issue 12).
 * Mutations caught: removing the SIGHUP handler (node dies at once: containers and the network
 * stay behind, exit code null/129); removing the uncaughtException handler (node prints a stack
 * and exits 1 without sweeping: the containers stay).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { aliasConfig, CLI, dockerSkip, tmpDir, writeTest } from "../helpers/env.js";

const byPid = (pid: number): { containers: string[]; networks: string[] } => {
  const f = ["--filter", "label=clnrm.managed=true", "--filter", `label=clnrm.pid=${pid}`];
  const ids = (a: string[]): string[] =>
    spawnSync("/usr/bin/docker", a, { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  return { containers: ids(["ps", "-aq", ...f]), networks: ids(["network", "ls", "-q", ...f]) };
};

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("signals and crashes clean up", { skip: dockerSkip }, () => {
  const dir = tmpDir("clnrm-signals-");
  const config = aliasConfig(dir);
  const file = writeTest(
    dir,
    "long.clnrm.toml",
    '[meta]\nname = "long"\n[service.a]\nimage = "alpine:latest"\n[[scenario]]\nname = ' +
      '"s"\nservice = "a"\nrun = "sleep 60"\n',
  );
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const start = (env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [CLI, "-c", config, "run", "--no-cache", file], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    return { child, exited, out: () => out };
  };

  it("SIGHUP: removes the run's containers and network, exits 130", async () => {
    const p = start();
    await waitFor(() => byPid(p.child.pid!).containers.length >= 1, 60_000);
    p.child.kill("SIGHUP");
    const code = await p.exited;
    assert.equal(code, 130, p.out());
    assert.match(p.out(), /SIGHUP: stopping/);
    assert.deepEqual(byPid(p.child.pid!), { containers: [], networks: [] });
  });

  it("an uncaught exception: message, cleanup, exit 3", async () => {
    const trigger = `${dir}/fault`;
    const p = start({ CLNRM_FAULT_UNCAUGHT_FILE: trigger });
    await waitFor(() => byPid(p.child.pid!).containers.length >= 1, 60_000);
    fs.writeFileSync(trigger, "now");
    const code = await p.exited;
    assert.equal(code, 3, p.out());
    assert.match(p.out(), /Internal error: injected fault .*removing this run's containers/);
    assert.doesNotMatch(p.out(), /\n\s+at /, "no stack trace");
    assert.deepEqual(byPid(p.child.pid!), { containers: [], networks: [] });
  });
});
