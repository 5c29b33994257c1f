/**
 * Backend over the Docker Engine API (dockerode). Podman works through its Docker-compatible socket
 * (DOCKER_HOST).
 */
import "./lazy-deps.js"; // before dockerode: defers its gRPC (BuildKit) and SSH parts
import Docker from "dockerode";
import { CleanroomError } from "../../core/errors.js";
import type { PullPolicy } from "../../config/project.js";
import type {
  Backend,
  ContainerSpec,
  ContainerState,
  ExecOptions,
  ExecResult,
  LogFollow,
  LogOptions,
  ContainerOutput,
  Following,
  ManagedResource,
  OutputStream,
  NetworkInfo,
  OutputSink,
  WaitResult,
} from "../backend.js";
import { LABEL_MANAGED } from "../backend.js";
import { runExec } from "./exec.js";
import { followChunks, followLogs, readLogs } from "./log-stream.js";
import {
  FlavorProbe,
  isTransientPodmanError,
  NetworkAnchors,
  runPodmanHealthcheck,
} from "./engine-flavor.js";

const POOL_WAIT_MS = 120_000;
const POOL_EXHAUSTED = /non-overlapping IPv4 address pool|fully subnetted|no available network/i;
export class DockerBackend implements Backend {
  readonly name = "docker";
  private readonly docker: Docker;
  readonly endpoint: string;
  /** Docker or Podman: what differs is in engine-flavor.ts. */
  readonly flavor: FlavorProbe;
  private readonly anchors: NetworkAnchors;

  constructor(docker?: Docker) {
    this.docker = docker ?? new Docker();
    this.endpoint = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    this.flavor = new FlavorProbe(this.docker);
    this.anchors = new NetworkAnchors(this.docker);
  }

  async ping(): Promise<string> {
    try {
      const id = await this.flavor.get();
      if (id.flavor === "podman") return id.describe;
      const v = await this.docker.version();
      return `${v.Version} (API ${v.ApiVersion})`;
    } catch (e) {
      throw new CleanroomError(
        "Container",
        `Docker engine not reachable at ${this.endpoint}: ${(e as Error).message}`,
        {
          hint:
            "run `npm run setup` (installs and starts dockerd), or set DOCKER_HOST to a " +
            "running engine (Podman: its Docker-compatible socket)",
          cause: e,
        },
      );
    }
  }

  async ensureImage(image: string, policy: PullPolicy, pullTimeoutMs?: number): Promise<string> {
    const present = await this.imageId(image);
    if (present && policy !== "always") return present;
    if (policy === "never") throw missingImage(image, 'pull_policy is "never"');
    let timer: NodeJS.Timeout | undefined;
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        if (pullTimeoutMs !== undefined)
          timer = setTimeout(() => {
            // Closing the progress stream makes the engine abandon the pull.
            (stream as { destroy?: () => void }).destroy?.();
            reject(
              new CleanroomError(
                "Timeout",
                `pulling image ${image} timed out after ${pullTimeoutMs} ms`,
              ),
            );
          }, pullTimeoutMs);
        this.docker.modem.followProgress(stream, (err: Error | null) =>
          err ? reject(err) : resolve(),
        );
      });
    } catch (e) {
      if (present) return present; // "always" but the registry is unreachable: keep the local copy
      if (e instanceof CleanroomError) throw e;
      throw missingImage(image, (e as Error).message.split("\n")[0] ?? String(e));
    } finally {
      if (timer) clearTimeout(timer);
    }
    const id = await this.imageId(image);
    if (!id) throw missingImage(image, "the pull finished but the image is not present");
    return id;
  }

  private async imageId(image: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(image).inspect()).Id;
    } catch {
      return undefined;
    }
  }

  async createNetwork(
    name: string,
    internal: boolean,
    labels: Readonly<Record<string, string>>,
  ): Promise<NetworkInfo> {
    // Docker's default address pools hold ~30 bridge networks for the whole engine (shared with
    // everything else on it): when they run out, wait for one to be freed instead of failing the
    // test (issue 12). How many one run holds is bounded by the network pool (~jobs).
    let net: Docker.Network | undefined;
    const deadline = Date.now() + POOL_WAIT_MS;
    for (let attempt = 1; !net; attempt++) {
      try {
        net = await this.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          Internal: internal,
          CheckDuplicate: true,
          Labels: { ...labels },
        });
      } catch (e) {
        if (isTransientPodmanError(e) && attempt < 5) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        if (!POOL_EXHAUSTED.test((e as Error).message) || Date.now() > deadline) {
          if (POOL_EXHAUSTED.test((e as Error).message))
            throw new CleanroomError(
              "Network",
              `Docker has no free address pool for network ${name} after ` +
                `${POOL_WAIT_MS / 1000}s: ${(e as Error).message}`,
              {
                hint:
                  "lower -j, remove unused networks (`clnrm sweep`), or add " +
                  "default-address-pools to daemon.json",
                cause: e,
              },
            );
          throw e;
        }
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
    const info = await net.inspect();
    const gateway = info.IPAM?.Config?.[0]?.Gateway as string | undefined;
    if (!gateway) throw new CleanroomError("Network", `network ${name} has no gateway address`);
    const subnet = info.IPAM?.Config?.[0]?.Subnet as string | undefined;
    if ((await this.flavor.flavor()) === "podman")
      await this.anchors.start(name, labels).catch(async (e: unknown) => {
        await this.removeNetwork(net.id).catch(() => undefined);
        throw e;
      });
    return { id: net.id, name, internal, gateway, subnet };
  }

  async removeNetwork(id: string): Promise<void> {
    // its anchor first: Podman refuses to remove a network a container is on
    if ((await this.flavor.flavor()) === "podman") await this.anchors.removeOf(id);
    await ignoreMissing(() => this.docker.getNetwork(id).remove());
  }

  async start(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports ?? []) {
      exposed[`${p}/tcp`] = {};
      bindings[`${p}/tcp`] = [{ HostIp: "127.0.0.1", HostPort: "" }];
    }
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: spec.image,
        Cmd: spec.cmd ? [...spec.cmd] : undefined,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...spec.labels },
        WorkingDir: spec.workdir,
        name: spec.name,
        ExposedPorts: exposed,
        Healthcheck: spec.healthcheck
          ? {
              Test: [...spec.healthcheck.test],
              Interval: spec.healthcheck.intervalMs * 1e6,
              Timeout: spec.healthcheck.timeoutMs * 1e6,
              Retries: spec.healthcheck.retries,
            }
          : undefined,
        HostConfig: {
          NetworkMode: spec.network?.name,
          Binds: spec.binds ? [...spec.binds] : undefined,
          PortBindings: bindings,
          NanoCpus: spec.nanoCpus,
          Memory: spec.memoryBytes,
          // An init process as PID 1 forwards the stop signal to the command (a shell or a
          // program without its own signal handling still stops on SIGTERM) and reaps zombies.
          Init: true,
        },
        NetworkingConfig: spec.network
          ? { EndpointsConfig: { [spec.network.name]: { Aliases: [...spec.network.aliases] } } }
          : undefined,
      });
    } catch (e) {
      throw new CleanroomError(
        "Container",
        `cannot create a container from ${spec.image}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    try {
      await container.start();
    } catch (e) {
      throw new CleanroomError(
        "Container",
        `container from ${spec.image} did not start: ${(e as Error).message}`,
        {
          context: { containerId: container.id },
          cause: e,
        },
      );
    }
    return container.id;
  }

  exec(containerId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return runExec(this.docker, containerId, argv, options);
  }

  async wait(
    containerId: string,
    timeoutMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<WaitResult> {
    const started = Date.now();
    const container = this.docker.getContainer(containerId);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => void container.kill().catch(() => undefined);
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
    // A signal that fired before we listen never fires again: check it first.
    if (signal?.aborted) kill();
    else signal?.addEventListener("abort", kill, { once: true });
    try {
      const res = (await container.wait()) as { StatusCode: number };
      const info = await container.inspect().catch(() => undefined);
      const oomKilled = info?.State.OOMKilled === true;
      return {
        exitCode: res.StatusCode,
        timedOut,
        durationMs: Date.now() - started,
        ...(oomKilled ? { oomKilled, memoryLimitBytes: info?.HostConfig.Memory || undefined } : {}),
      };
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
    }
  }

  async logs(containerId: string, options: LogOptions = {}): Promise<ContainerOutput> {
    return readLogs(this.docker, containerId, options.maxBytes, options.onStdoutLine).catch(() => ({
      stdout: "",
      stderr: "",
    }));
  }

  followLogs(containerId: string, onLine: (l: string, s: OutputStream) => void): LogFollow {
    return followLogs(this.docker, containerId, onLine);
  }

  follow(id: string, onStdout: OutputSink, onStderr?: OutputSink): Promise<Following> {
    return followChunks(this.docker, id, onStdout, onStderr);
  }

  async state(containerId: string): Promise<ContainerState> {
    const info = await this.docker.getContainer(containerId).inspect();
    const hostPorts: Record<number, number> = {};
    for (const [k, v] of Object.entries(info.NetworkSettings?.Ports ?? {}))
      if (v?.[0]?.HostPort) hostPorts[Number(k.split("/")[0])] = Number(v[0].HostPort);
    const nets = Object.values(info.NetworkSettings?.Networks ?? {});
    let health = (info.State as { Health?: { Status: string } }).Health?.Status;
    if (health && health !== "healthy" && info.State.Running)
      if ((await this.flavor.flavor()) === "podman")
        health = (await runPodmanHealthcheck(this.docker, containerId)) ?? health;
    return {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      health,
      ip: nets[0]?.IPAddress,
      hostPorts,
    };
  }

  async kill(containerId: string): Promise<void> {
    await ignoreMissing(() => this.docker.getContainer(containerId).kill());
  }

  async stop(containerId: string, graceMs: number): Promise<void> {
    const container = this.docker.getContainer(containerId);
    // The engine counts its grace in whole seconds: our own SIGKILL keeps a millisecond grace.
    const t = Math.ceil(graceMs / 1000);
    const timer =
      graceMs % 1000 !== 0
        ? setTimeout(() => void container.kill().catch(() => undefined), graceMs)
        : undefined;
    try {
      await ignoreMissing(() => container.stop({ t }));
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async remove(containerId: string): Promise<void> {
    await ignoreMissing(() =>
      this.docker.getContainer(containerId).remove({ force: true, v: true }),
    );
  }

  async listManaged(): Promise<{ containers: ManagedResource[]; networks: ManagedResource[] }> {
    const filters = JSON.stringify({ label: [`${LABEL_MANAGED}=true`] });
    const [containers, networks] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listNetworks({ filters }),
    ]);
    return {
      // a network's anchor (Podman) is listed too, so a sweep removes it even without its network
      containers: containers.map((c) => ({
        id: c.Id,
        labels: c.Labels ?? {},
        name: c.Names?.[0]?.replace(/^\//, ""),
        image: c.Image,
        state: c.State,
      })),
      networks: networks.map((n) => ({ id: n.Id, labels: n.Labels ?? {} })),
    };
  }
}

function missingImage(image: string, why: string): CleanroomError {
  return new CleanroomError(
    "Container",
    `image ${image} is not present locally and cannot be pulled (${why})`,
    {
      hint:
        "build it locally, or map it to a local image in cleanroom.toml: " +
        `[images.aliases] "${image}" = "clnrm/busybox:local"`,
    },
  );
}

async function ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const code = (e as { statusCode?: number }).statusCode;
    if (code === 404 || code === 409 || code === 304) return;
    throw e;
  }
}
