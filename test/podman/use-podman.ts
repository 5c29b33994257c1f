/**
 * Imported first by every test/podman/ file, before the test module it re-runs: points clnrm
 * (dockerode reads DOCKER_HOST) and the tests' own `docker` CLI calls at rootful Podman's
 * Docker-compatible API, and decides whether the Podman tests can run. The answer replaces
 * CLNRM_TEST_DOCKER (the Docker probe of scripts/run-tests.mjs) for this file's process only
 * (node --test runs each file in its own process), so test/helpers/env.ts applies the same
 * policy as for Docker: with CI=true a missing Podman fails every test, otherwise they skip with
 * the reason.
 */
import { spawnSync } from "node:child_process";
import http from "node:http";
import { DOCKER_CLI } from "../helpers/probe.js";

export const PODMAN_SOCKET = "/run/podman/podman.sock";
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
/** The local images the engine tests use; `CLNRM_ENGINE=podman npm run setup` loads them. */
const IMAGES = ["clnrm/busybox:local", "clnrm/node:20"];
const SETUP = "run `CLNRM_ENGINE=podman npm run setup`";

process.env.DOCKER_HOST = PODMAN_HOST;

function docker(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(DOCKER_CLI, args, { encoding: "utf8", timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/**
 * The `/_ping` answer's Server header (Podman's `/version`, which `docker version` calls, runs
 * its runtimes and the package manager: up to 27 s on a loaded machine), or why there is none.
 */
function ping(): Promise<{ server?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: PODMAN_SOCKET, path: "/_ping", timeout: 15_000 }, (res) => {
      res.resume();
      resolve({ server: String(res.headers.server ?? "") });
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", (e) => resolve({ error: e.message }));
  });
}

/** "ok", or why the Podman tests cannot run. */
async function probePodman(): Promise<string> {
  let r = await ping();
  // a service being (re)started: give it a few seconds
  for (let i = 0; i < 6 && r.error; i++) {
    await new Promise((res) => setTimeout(res, 500));
    r = await ping();
  }
  if (r.error) return `no Podman API answers at ${PODMAN_HOST} (${r.error}; ${SETUP})`;
  if (!/^libpod\//i.test(r.server ?? ""))
    return `the engine at ${PODMAN_HOST} is not Podman (Server: ${r.server})`;
  const absent = IMAGES.filter((i) => !docker(["image", "inspect", i]).ok);
  return absent.length ? `Podman lacks the image(s) ${absent.join(", ")} (${SETUP})` : "ok";
}

process.env.CLNRM_TEST_DOCKER = await probePodman();
