// Helpers shared by the chaos cases (chaos-cases.mjs, chaos-docker-cases.mjs): a scratch
// project, the CLI under GNU time, leak counting by clnrm.pid, and the case registry.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = path.join(ROOT, "dist/src/cli/main.js");
export const DOCKER = "/usr/bin/docker";
export const work = fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-chaos-"));
fs.writeFileSync(
  path.join(work, "cleanroom.toml"),
  '[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n',
);
/** Every case, in run order: { name, command, docker, run(): Promise<{ held, observed }> }. */
export const cases = [];
/** Removes the cases' work folder. */
export const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
export const ALREADY_SWEPT = "nothing left to sweep (another clnrm on this engine swept it first)";
export const lossMessage = (out) =>
  (out.match(/(Container|Network|Internal)[^\n]*error[^\n]*|Docker engine[^\n]*/) ?? [
    out.trim().split("\n").pop(),
  ])[0].slice(0, 110);
export const mib = (kb) => `${(kb / 1024).toFixed(0)} MiB`;

export function test(name, run, extra = "") {
  const file = path.join(work, `${name}.clnrm.toml`);
  fs.writeFileSync(
    file,
    `[meta]\nname = "${name}"\n[service.a]\nimage = "alpine:latest"\n${extra}[[scenario]]\nname ` +
      `= "s"\nservice = "a"\nrun = ${JSON.stringify(run)}\n`,
  );
  return file;
}

/** Runs the CLI under GNU time (peak RSS); resolves with code, output, peak KiB and the child. */
export function cli(args, { env = {}, onStart } = {}) {
  const stats = path.join(work, `time-${Date.now()}-${Math.random()}.txt`);
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", stats, process.execPath, CLI, ...args], {
    cwd: work,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  onStart?.(child);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      const peak = Number(
        fs.existsSync(stats) ? fs.readFileSync(stats, "utf8").trim().split("\n").pop() : 0,
      );
      resolve({ code, out, peakKb: peak, child });
    }),
  );
}

/** The node process under /usr/bin/time: the one labelled on containers (clnrm.pid). */
export function nodePid(timeChild) {
  const r = spawnSync("pgrep", ["-P", String(timeChild.pid)], { encoding: "utf8" });
  return Number(r.stdout.trim().split("\n")[0]);
}

export function leaks(pid) {
  const f = ["--filter", "label=clnrm.managed=true", "--filter", `label=clnrm.pid=${pid}`];
  const n = (a) =>
    spawnSync(DOCKER, a, { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
  return n(["ps", "-aq", ...f]) + n(["network", "ls", "-q", ...f]);
}

export async function waitFor(cond, ms) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

/** Registers a case; `docker` cases need a Docker engine. */
export function kase(name, command, run, docker = false) {
  cases.push({ name, command, run, docker });
}
