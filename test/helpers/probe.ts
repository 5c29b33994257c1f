/**
 * Whether the test dependencies are there: a Docker engine that answers, a browser, ../shared.
 * The Docker probe retries until a deadline (a loaded machine may take many seconds to answer
 * `docker version`); scripts/run-tests.mjs probes once and hands the answer to every test file
 * in CLNRM_TEST_DOCKER, so files do not each wait.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";

export const DOCKER_CLI = "/usr/bin/docker";

/** One `docker version` call: the server version, or why there is none. */
function dockerVersion(timeoutMs: number): Promise<{ ok: boolean; text: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (!fs.existsSync(DOCKER_CLI)) {
      resolve({ ok: false, text: `${DOCKER_CLI} is not installed`, ms: 0 });
      return;
    }
    const child = spawn(DOCKER_CLI, ["version", "--format", "{{.Server.Version}}"]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      if (!out) out = e.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const text = out.trim().split("\n").pop() ?? "";
      resolve({
        ok: code === 0,
        text: code === null ? `no answer within ${timeoutMs}ms` : text,
        ms: Date.now() - t0,
      });
    });
  });
}

/**
 * "ok", or the reason no engine answers. A slow engine gets until `deadlineMs`; one that refuses
 * the connection outright (no socket, wrong DOCKER_HOST) is retried for `refusedMs` only.
 */
export async function probeDocker(deadlineMs = 60_000, refusedMs = 5_000): Promise<string> {
  const t0 = Date.now();
  let last = "";
  for (;;) {
    const left = deadlineMs - (Date.now() - t0);
    const r = await dockerVersion(Math.max(1000, Math.min(15_000, left)));
    if (r.ok) return "ok";
    last = r.text;
    const elapsed = Date.now() - t0;
    const slow = /no answer within/.test(r.text);
    if (elapsed >= deadlineMs || (!slow && elapsed >= refusedMs)) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  return `no Docker engine answers at ${host} (${last}; tried for ${Math.round(
    (Date.now() - t0) / 1000,
  )}s; run \`npm run setup\`)`;
}

/** True when the suite runs in CI, where a missing dependency must fail rather than skip. */
export const IN_CI = ["true", "1", "yes"].includes((process.env.CI ?? "").toLowerCase());
