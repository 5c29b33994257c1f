/**
 * Where the OTLP receiver runs (`--receiver host|sidecar|auto`, `[otel] receiver`). `host`: in
 * the clnrm process, on the test network's bridge gateway (containers connect to the host).
 * `sidecar`: in a container on the test's network, streamed back through the engine API (no
 * connection from containers to the host). `auto` picks host only where the gateway is known to
 * be the host clnrm runs on: a local, rootful engine socket on Linux.
 */
import type { ReceiverMode } from "../config/project.js";

export interface ReceiverChoice {
  readonly mode: "host" | "sidecar";
  /** Why, for the run header: "set", or what `auto` saw. */
  readonly reason: string;
}

export interface EngineLocation {
  /** DOCKER_HOST as set (undefined: the default local socket). */
  readonly dockerHost?: string;
  /** process.platform */
  readonly platform: string;
}

/** Rootless and desktop engines: their bridge gateway is not the host clnrm listens on. */
const NOT_HOST_SOCKET = /\/run\/user\/\d+\/|\.docker\/(desktop|run)\/|\/\.colima\/|\/\.rd\//;

export function chooseReceiver(mode: ReceiverMode, where: EngineLocation): ReceiverChoice {
  if (mode !== "auto") return { mode, reason: "set" };
  if (where.platform !== "linux")
    return {
      mode: "sidecar",
      reason: `auto: ${where.platform} runs containers in a VM (Docker Desktop, Podman machine)`,
    };
  const host = where.dockerHost?.trim();
  if (!host) return { mode: "host", reason: "auto: local engine socket" };
  const scheme = /^([a-z0-9+]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  if (scheme !== "unix")
    return { mode: "sidecar", reason: `auto: remote engine (DOCKER_HOST=${scheme ?? host}://…)` };
  if (NOT_HOST_SOCKET.test(host))
    return { mode: "sidecar", reason: `auto: rootless or desktop engine socket (${host})` };
  return { mode: "host", reason: `auto: local engine socket (${host})` };
}
