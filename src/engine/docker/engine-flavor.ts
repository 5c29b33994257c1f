/**
 * Which engine answers the Docker API (Docker, or Podman through its Docker-compatible socket)
 * and what the Docker backend does differently for Podman. Everything here was measured with
 * rootful Podman 4.3 (Debian 12, netavark) next to Docker 20.10 on one machine.
 *
 * Podman creates a network's bridge, and so the gateway address on the host, only when the
 * first container joins the network, and removes it when the last one leaves (Docker creates
 * it with the network). clnrm's OTLP receiver listens on the gateway before any container of
 * the test starts, so on Podman every network gets an anchor: a container that does nothing
 * (catatonit in pause mode, the init process Podman bind-mounts with `Init: true`, in an image
 * made of an empty layer, imported once) and lives as long as the network. Without it the bind
 * fails with EADDRNOTAVAIL.
 */
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { CleanroomError } from "../../core/errors.js";

export type EngineFlavor = "docker" | "podman";

/** Label of an anchor container; its value is the network it keeps up. */
export const LABEL_ANCHOR = "clnrm.network-anchor";
/** The anchor's image: one empty layer, imported into Podman by clnrm when missing. */
export const ANCHOR_IMAGE = "clnrm/podman-anchor:latest";
/** Podman bind-mounts its init (catatonit) here with `Init: true`; `-P` is its pause mode. */
const ANCHOR_CMD = ["/run/podman-init", "-P"];

/** What the engine's `/_ping` answer says about it. */
export interface EngineIdentity {
  readonly flavor: EngineFlavor;
  /** e.g. "Podman 4.3.1 (Docker API 1.41)"; empty for Docker (ping() asks `/version`). */
  readonly describe: string;
}

/** Podman answers `/_ping` with `Libpod-Api-Version` and `Server: Libpod/…`; Docker does not. */
export function identityOf(headers: Readonly<Record<string, unknown>>): EngineIdentity {
  const libpod = headers["libpod-api-version"];
  const server = String(headers.server ?? "");
  if (typeof libpod !== "string" && !/^libpod\//i.test(server))
    return { flavor: "docker", describe: "" };
  const version = typeof libpod === "string" ? libpod : server.replace(/^libpod\/(\S+).*$/i, "$1");
  const api = headers["api-version"];
  return {
    flavor: "podman",
    describe: `Podman ${version}${typeof api === "string" ? ` (Docker API ${api})` : ""}`,
  };
}

/**
 * Asks the engine once (`/_ping`, answered at once by both engines; Podman's `/version` runs
 * its runtimes and the package manager: 5-27 s measured on a loaded machine) and remembers it.
 */
export class FlavorProbe {
  private answer?: Promise<EngineIdentity>;
  constructor(private readonly docker: Docker) {}

  get(): Promise<EngineIdentity> {
    this.answer ??= new Promise<EngineIdentity>((resolve, reject) =>
      this.docker.modem.dial(
        { path: "/_ping?", method: "GET", isStream: true, statusCodes: { 200: true } },
        (err: Error | null, res?: unknown) => {
          if (err) return reject(err);
          const r = res as { headers?: Record<string, unknown>; resume?: () => void };
          r.resume?.();
          resolve(identityOf(r.headers ?? {}));
        },
      ),
    );
    // a failed probe is asked again next time (the engine may come up later)
    this.answer.catch(() => (this.answer = undefined));
    return this.answer;
  }

  async flavor(): Promise<EngineFlavor> {
    return (await this.get()).flavor;
  }
}

/** Network anchors on Podman: started with a network, removed before it. */
export class NetworkAnchors {
  private image?: Promise<void>;
  constructor(private readonly docker: Docker) {}

  /** Starts the anchor of `network`; its labels are the network's (so sweeping finds it). */
  async start(network: string, labels: Readonly<Record<string, string>>): Promise<void> {
    await this.ensureImage();
    let id: string | undefined;
    try {
      const c = await this.docker.createContainer({
        Image: ANCHOR_IMAGE,
        Cmd: ANCHOR_CMD,
        Labels: { ...labels, [LABEL_ANCHOR]: network },
        name: `${network}-anchor`,
        StopSignal: "SIGKILL",
        HostConfig: { NetworkMode: network, Init: true },
      });
      id = c.id;
      await c.start();
    } catch (e) {
      if (id)
        await this.docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      throw new CleanroomError(
        "Network",
        `cannot bring up network ${network} on Podman (its anchor container did not start): ` +
          (e as Error).message,
        {
          hint: "Podman creates a network's bridge with its first container; see README, engines",
          cause: e,
        },
      );
    }
  }

  /** Removes the anchor of the network with this id or name, if any. */
  async removeOf(idOrName: string): Promise<void> {
    const network = await this.docker
      .getNetwork(idOrName)
      .inspect()
      .then((n: { Name?: string }) => n.Name)
      .catch(() => undefined);
    if (!network) return;
    const list = await this.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${LABEL_ANCHOR}=${network}`] }),
    });
    await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }

  private ensureImage(): Promise<void> {
    this.image ??= this.importImage();
    this.image.catch(() => (this.image = undefined));
    return this.image;
  }

  private async importImage(): Promise<void> {
    try {
      await this.docker.getImage(ANCHOR_IMAGE).inspect();
      return;
    } catch {
      // not there yet: import it
    }
    // An empty tar archive (two zero blocks): an image of one empty layer, no registry needed.
    const stream = await this.docker.importImage(Readable.from([Buffer.alloc(1024)]), {
      repo: ANCHOR_IMAGE.split(":")[0],
      tag: ANCHOR_IMAGE.split(":")[1],
    });
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
}

/**
 * Runs a container's healthcheck once and returns its status ("healthy", "unhealthy", ...).
 * Podman runs healthchecks on systemd timers: without systemd (a container, most CI runners)
 * they never run and the status stays "starting". clnrm's readiness polling asks this instead,
 * through Podman's own API (`/libpod/containers/{id}/healthcheck`, the same command and retry
 * count as the engine would run). Undefined when it cannot be run.
 */
export function runPodmanHealthcheck(
  docker: Docker,
  containerId: string,
): Promise<string | undefined> {
  return new Promise((resolve) =>
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/containers/${encodeURIComponent(containerId)}/healthcheck?`,
        method: "GET",
        statusCodes: { 200: true, 404: "no such container", 409: "no healthcheck", 500: true },
      },
      (err: Error | null, data?: unknown) => {
        const status = (data as { Status?: unknown } | undefined)?.Status;
        resolve(!err && typeof status === "string" ? status : undefined);
      },
    ),
  );
}

/**
 * Podman lists the host's interfaces and routes when it creates a network (to pick a free
 * subnet) and fails with "route ip+net: no such network interface" when one disappears while it
 * looks (containers of other runs, or of Docker, come and go): seen under load, worth a retry.
 */
export function isTransientPodmanError(e: unknown): boolean {
  return /route ip\+net: no such network interface/.test((e as Error)?.message ?? "");
}
