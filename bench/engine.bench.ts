/**
 * Engine figures, each row naming exactly what it times, against baselines doing the same work:
 * - in-process `runTestConfig` of a one-scenario test (custom bridge network + one-shot
 *   container running `echo hello` + its logs + container and network removal; no CLI
 *   start-up, no sweep, no reports: the whole `clnrm run` process is timed by
 *   bench/cli-process.bench.ts) vs raw dockerode doing that same sequence (network create,
 *   create/start/wait, logs, remove, network remove) vs the docker CLI doing it
 *   (`docker network create`, `docker run --rm --network`, `docker network rm`).
 *   All three are labelled alike and run interleaved pair by pair (clnrm, dockerode, CLI, …).
 * - 10 IO-bound tests through the CLI's own `-j 1` and `-j 4` (whole processes, --no-cache),
 *   3 samples each, interleaved.
 * The engine and CLI versions are measured, not assumed.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { loadTestSource } from "../src/config/load.js";
import { loadProjectConfig } from "../src/config/project.js";
import { PROJECT_ROOT } from "../src/core/paths.js";
import { DockerBackend } from "../src/engine/docker/docker-backend.js";
import { runTestConfig } from "../src/runner/run-test.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, median, timeIt } from "./stats.js";

const IMAGE = "clnrm/busybox:local";
const CMD = ["echo", "hello"];
const DOCKER_CLI = "/usr/bin/docker";
const CLI = path.join(PROJECT_ROOT, "dist/src/cli/main.js");
const uniq = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const LABELS = { "clnrm.bench": "true" };

/** What clnrm's engine does for a one-scenario test, with dockerode directly. */
async function rawDockerode(docker: Docker): Promise<void> {
  const net = await docker.createNetwork({
    Name: `bench-raw-${uniq()}`,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: LABELS,
  });
  await net.inspect(); // clnrm reads the gateway address
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: CMD,
    Labels: LABELS,
    HostConfig: { NetworkMode: net.id },
  });
  await c.start();
  await c.wait();
  const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  if (!logs.toString().includes("hello")) throw new Error("raw dockerode: no output");
  await c.remove({ force: true, v: true });
  await net.remove();
}

/** The same sequence with the docker CLI: a network, a one-shot container on it, removal. */
function rawCli(): void {
  const name = `bench-cli-${uniq()}`;
  const d = (...args: string[]): string => {
    const r = spawnSync(DOCKER_CLI, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  d("network", "create", "--label", "clnrm.bench=true", name);
  try {
    const out = d("run", "--rm", "--network", name, "--label", "clnrm.bench=true", IMAGE, ...CMD);
    if (!out.includes("hello")) throw new Error("docker run: no output");
  } finally {
    d("network", "rm", name);
  }
}

export async function dockerVersions(): Promise<{ engine: string; cli: string }> {
  const engine = (await new Docker().version()).Version;
  const cli = spawnSync(DOCKER_CLI, ["version", "--format", "{{.Client.Version}}"], {
    encoding: "utf8",
  }).stdout.trim();
  return { engine, cli };
}

export async function benchEngine(): Promise<string[]> {
  const docker = new Docker();
  const backend = new DockerBackend(docker);
  const v = await dockerVersions();
  const project = {
    ...loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults" }),
    imageAliases: { "alpine:latest": IMAGE },
  };
  const renderer = new TemplateRenderer();
  const one = (
    await loadTestSource(
      `[meta]\nname = "bench"\n[service.s]\nimage = "${IMAGE}"\n[[scenario]]\nname = "one"\n` +
        `service = "s"\nrun = "${CMD.join(" ")}"\n`,
      "b.clnrm.toml",
      { env: {}, renderer },
    )
  ).config;
  const clnrm = async (): Promise<void> => {
    const r = await runTestConfig(one, { backend, project, runId: "bench", renderer });
    if (r.result.verdict !== "passed" || r.result.scenarios[0]?.steps[0]?.stdout.trim() !== "hello")
      throw new Error(JSON.stringify(r.result.error ?? r.result.findings));
  };
  for (const w of [clnrm, () => rawDockerode(docker), rawCli]) await w(); // warm-up
  const t = { clnrm: [] as number[], raw: [] as number[], cli: [] as number[] };
  for (let i = 0; i < 10; i++) {
    // interleaved pair by pair, so that engine load drifts hit all three alike
    t.clnrm.push(await timeIt(clnrm));
    t.raw.push(await timeIt(() => rawDockerode(docker)));
    t.cli.push(await timeIt(rawCli));
  }
  const m = { clnrm: median(t.clnrm), raw: median(t.raw), cli: median(t.cli) };
  const work = "network + one-shot `echo hello` container + logs + removal of both";
  const rows = [
    `| in-process \`runTestConfig\`, one scenario (${work}; no CLI start-up, sweep or ` +
      `reports), median of 10 | ${fmt(m.clnrm)} ms | |`,
    `| raw dockerode, the same work (${work}), median of 10, interleaved | ${fmt(m.raw)} ms | |`,
    `| docker CLI ${v.cli}, the same work (\`network create\` + \`run --rm --network\` + ` +
      `\`network rm\`), median of 10, interleaved | ${fmt(m.cli)} ms | |`,
    `| ratio in-process clnrm / raw dockerode (same work, engine ${v.engine}) | ` +
      `${(m.clnrm / m.raw).toFixed(2)}× | ≤ 1.10× |`,
    `| ratio in-process clnrm / docker CLI (same work) | ${(m.clnrm / m.cli).toFixed(2)}× | |`,
  ];

  // 10 IO-bound tests through the CLI's -j: whole processes, interleaved, 3 samples each.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-bench-j-"));
  const config = path.join(dir, "cleanroom.toml");
  fs.writeFileSync(config, `[containers]\ndefault_image = "${IMAGE}"\n`);
  for (let i = 0; i < 10; i++)
    fs.writeFileSync(
      path.join(dir, `io${i}.clnrm.toml`),
      `[meta]\nname = "io_${i}"\n[[scenario]]\nname = "wait"\nrun = "sleep 1"\n`,
    );
  const cliRun = (jobs: number) => () => {
    const r = spawnSync(
      process.execPath,
      [CLI, "-c", config, "run", "--no-cache", "--no-bundle", "-j", String(jobs), dir],
      { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    if (r.status !== 0 || !/10 passed, 0 failed/.test(r.stdout))
      throw new Error(`clnrm run -j ${jobs}: ${r.stdout}${r.stderr}`);
  };
  const j = { one: [] as number[], four: [] as number[] };
  for (let i = 0; i < 3; i++) {
    j.one.push(await timeIt(cliRun(1)));
    j.four.push(await timeIt(cliRun(4)));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const j1 = median(j.one);
  const j4 = median(j.four);
  rows.push(
    `| 10 IO-bound tests (\`sleep 1\`), whole \`clnrm run --no-cache -j 1\` vs \`-j 4\` ` +
      `processes, median of 3 each, interleaved | ${fmt(j1)} ms vs ${fmt(j4)} ms = ` +
      `${(j1 / j4).toFixed(2)}× | ≥ 2× |`,
  );
  return rows;
}
