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
import { checkPodmanBridge } from "../../src/engine/docker/podman-bridge.js";
import { DOCKER_CLI } from "../helpers/probe.js";

export const PODMAN_SOCKET = "/run/podman/podman.sock";
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
/** The local images the engine tests use; `CLNRM_ENGINE=podman npm run setup` loads them. */
const IMAGES = ["clnrm/busybox:local", "clnrm/node:20"];
const SETUP = "run `CLNRM_ENGINE=podman npm run setup`";

process.env.DOCKER_HOST = PODMAN_HOST;
/** For the few assertions that differ by engine (documented differences, README engines). */
process.env.CLNRM_TEST_ENGINE = "podman";

function docker(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(DOCKER_CLI, args, { encoding: "utf8", timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/** The CLI's view of `/_ping` on the socket: prints the Server header, or the error. */
const PING_SCRIPT = `
const req = require("node:http").get(
  { socketPath: ${JSON.stringify(PODMAN_SOCKET)}, path: "/_ping", timeout: 15000 },
  (res) => { res.resume(); console.log("server:" + (res.headers.server || "")); },
);
req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
req.on("error", (e) => console.log("error:" + e.message));`;

/**
 * The `/_ping` answer's Server header (Podman's `/version`, which `docker version` calls, runs
 * its runtimes and the package manager: up to 27 s on a loaded machine), or why there is none.
 * Synchronous on purpose: a top-level await here would let test/helpers/env.ts (which does not
 * import this module) read CLNRM_TEST_DOCKER before it is replaced (ESM runs modules that do not
 * depend on an async module while it waits).
 */
function ping(): { server?: string; error?: string } {
  const r = spawnSync(process.execPath, ["-e", PING_SCRIPT], { encoding: "utf8", timeout: 20_000 });
  const line = (r.stdout ?? "").trim();
  if (line.startsWith("server:")) return { server: line.slice("server:".length) };
  return { error: line.replace(/^error:/, "") || r.error?.message || "no answer" };
}

/** "ok", or why the Podman tests cannot run. */
function probePodman(): string {
  let r = ping();
  // a service being (re)started: give it a few seconds
  for (let i = 0; i < 6 && r.error; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    r = ping();
  }
  if (r.error) return `no Podman API answers at ${PODMAN_HOST} (${r.error}; ${SETUP})`;
  if (!/^libpod\//i.test(r.server ?? ""))
    return `the engine at ${PODMAN_HOST} is not Podman (Server: ${r.server})`;
  const absent = IMAGES.filter((i) => !docker(["image", "inspect", i]).ok);
  if (absent.length) return `Podman lacks the image(s) ${absent.join(", ")} (${SETUP})`;
  return bridgeRule();
}

/**
 * With Docker running beside Podman, containers of one internal Podman network reach each
 * other only through the DOCKER-USER rule the set-up adds: without it the hermetic and sidecar
 * tests would hang on connections, so they fail with the reason `clnrm health` gives.
 */
function bridgeRule(): string {
  const bridge = checkPodmanBridge(PODMAN_HOST);
  return !bridge || bridge.ok ? "ok" : `${bridge.detail} (${SETUP})`;
}

process.env.CLNRM_TEST_DOCKER = probePodman();
