/**
 * Per-scenario overhead of `clnrm run` against raw dockerode and `docker run --rm`, same image
 * and command, in one process; and the speed-up of 10 IO-bound tests at -j 4 over -j 1.
 */
import { spawnSync } from "node:child_process";
import Docker from "dockerode";
import { loadTestSource } from "../src/config/load.js";
import { loadProjectConfig } from "../src/config/project.js";
import { DockerBackend } from "../src/engine/docker/docker-backend.js";
import { mapPool, runTestConfig } from "../src/runner/run-test.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, median, timeIt } from "./stats.js";

const IMAGE = "clnrm/busybox:local";
const CMD = ["echo", "hello"];

async function rawDockerode(docker: Docker): Promise<void> {
  const c = await docker.createContainer({ Image: IMAGE, Cmd: ["sleep", "300"] });
  await c.start();
  const exec = await c.exec({ Cmd: CMD, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.resume();
  });
  await exec.inspect();
  await c.remove({ force: true });
}

async function rawNetwork(docker: Docker): Promise<void> {
  const n = await docker.createNetwork({
    Name: `bench-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await n.remove();
}

export async function benchEngine(): Promise<string[]> {
  const docker = new Docker();
  const backend = new DockerBackend(docker);
  const project = {
    ...loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults" }),
    imageAliases: { "alpine:latest": IMAGE },
  };
  const renderer = new TemplateRenderer();
  const one = (
    await loadTestSource(
      `[meta]\nname = "bench"\n[service.s]\nimage = "${IMAGE}"\n[[scenario]]\nname = "one"\nservice = "s"\nrun = "${CMD.join(" ")}"\n`,
      "b.clnrm.toml",
      { env: {}, renderer },
    )
  ).config;
  const clnrm = async (): Promise<void> => {
    const r = await runTestConfig(one, { backend, project, runId: "bench", renderer });
    if (r.result.verdict !== "passed")
      throw new Error(JSON.stringify(r.result.error ?? r.result.findings));
  };
  const cli = (): void => {
    const r = spawnSync("/usr/bin/docker", ["run", "--rm", IMAGE, ...CMD]);
    if (r.status !== 0) throw new Error(String(r.stderr));
  };
  for (const w of [clnrm, () => rawDockerode(docker), cli, () => rawNetwork(docker)]) await w(); // warm-up
  const t = {
    clnrm: [] as number[],
    raw: [] as number[],
    cli: [] as number[],
    net: [] as number[],
  };
  for (let i = 0; i < 10; i++) {
    // interleaved so that engine load drifts hit all three alike
    t.clnrm.push(await timeIt(clnrm));
    t.raw.push(await timeIt(() => rawDockerode(docker)));
    t.cli.push(await timeIt(cli));
    t.net.push(await timeIt(() => rawNetwork(docker)));
  }
  const m = { clnrm: median(t.clnrm), raw: median(t.raw), cli: median(t.cli), net: median(t.net) };
  const rows = [
    `| one-scenario \`clnrm run\` (network + one-shot container + logs + cleanup), median of 10 | ${fmt(m.clnrm)} ms | |`,
    `| raw dockerode create+start+exec+remove, median of 10 | ${fmt(m.raw)} ms | |`,
    `| raw dockerode network create+remove, median of 10 | ${fmt(m.net)} ms | |`,
    `| \`docker run --rm\` (CLI 20.10), median of 10 | ${fmt(m.cli)} ms | |`,
    `| ratio clnrm / (raw dockerode + network) | ${(m.clnrm / (m.raw + m.net)).toFixed(2)}× | ≤ 1.10× |`,
    `| ratio clnrm / \`docker run --rm\` | ${(m.clnrm / m.cli).toFixed(2)}× | |`,
  ];
  const io = (
    await loadTestSource(
      `[meta]\nname = "io"\n[[scenario]]\nname = "wait"\nrun = "sleep 1"\n`,
      "io.clnrm.toml",
      { env: {}, renderer },
    )
  ).config;
  const ioProject = { ...project, defaultImage: IMAGE };
  const suite = (jobs: number) =>
    timeIt(() =>
      mapPool(Array.from({ length: 10 }), jobs, () =>
        runTestConfig(io, { backend, project: ioProject, runId: "bench", renderer }),
      ),
    );
  const j1 = await suite(1);
  const j4 = await suite(4);
  rows.push(
    `| 10 IO-bound tests (\`sleep 1\`): -j 1 vs -j 4 | ${fmt(j1)} ms vs ${fmt(j4)} ms = ${(j1 / j4).toFixed(2)}× | ≥ 2× |`,
  );
  return rows;
}
