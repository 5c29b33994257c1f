/**
 * Backend over the Docker Engine API (dockerode). Podman works through its Docker-compatible socket
 * (DOCKER_HOST).
 */
import { Writable } from "node:stream";
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
  ManagedResource,
  NetworkInfo,
  WaitResult,
} from "../backend.js";
import { LABEL_MANAGED } from "../backend.js";
import { CappedBuffer, demuxBuffer } from "./demux.js";

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export class DockerBackend implements Backend {
  readonly name = "docker";
  private readonly docker: Docker;
  readonly endpoint: string;

  constructor(docker?: Docker) {
    this.docker = docker ?? new Docker();
    this.endpoint = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  }

  async ping(): Promise<string> {
    try {
      const v = await this.docker.version();
      return `${v.Version} (API ${v.ApiVersion})`;
    } catch (e) {
      throw new CleanroomError(
        "Container",
        `Docker engine not reachable at ${this.endpoint}: ${(e as Error).message}`,
        {
          hint: "run `npm run setup` (installs and starts dockerd), or set DOCKER_HOST to a running engine (Podman: its Docker-compatible socket)",
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
    const net = await this.docker.createNetwork({
      Name: name,
      Driver: "bridge",
      Internal: internal,
      CheckDuplicate: true,
      Labels: { ...labels },
    });
    const info = await net.inspect();
    const gateway = info.IPAM?.Config?.[0]?.Gateway as string | undefined;
    if (!gateway) throw new CleanroomError("Network", `network ${name} has no gateway address`);
    const subnet = info.IPAM?.Config?.[0]?.Subnet as string | undefined;
    return { id: net.id, name, internal, gateway, subnet };
  }

  async removeNetwork(id: string): Promise<void> {
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

  async exec(
    containerId: string,
    argv: readonly string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const started = Date.now();
    const container = this.docker.getContainer(containerId);
    const exec = await container.exec({
      Cmd: [...argv],
      Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: options.workdir,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = new CappedBuffer(max);
    const err = new CappedBuffer(max);
    const sink = (b: CappedBuffer): Writable =>
      new Writable({
        write: (chunk: Buffer, _e, cb) => {
          b.push(chunk);
          cb();
        },
      });
    this.docker.modem.demuxStream(stream, sink(out), sink(err));
    let timedOut = false;
    const finished = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", resolve);
    });
    const stop = async (): Promise<void> => {
      // Kill only the exec'd process when we share its PID namespace (local engine); else the
      // container.
      const pid = (await exec.inspect().catch(() => undefined))?.Pid;
      try {
        if (pid && this.endpoint.startsWith("unix://")) process.kill(pid, "SIGKILL");
        else await container.kill();
      } catch {
        await container.kill().catch(() => undefined);
      }
      stream.destroy();
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          void stop();
        }, options.timeoutMs)
      : undefined;
    const onAbort = (): void => void stop();
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await finished;
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    const info = await exec.inspect().catch(() => undefined);
    return {
      exitCode: info?.ExitCode ?? -1,
      stdout: out.text(),
      stderr: err.text(),
      durationMs: Date.now() - started,
      timedOut,
    };
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
      return { exitCode: res.StatusCode, timedOut, durationMs: Date.now() - started };
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
    }
  }

  async logs(
    containerId: string,
    maxBytes = DEFAULT_MAX_OUTPUT,
  ): Promise<{ stdout: string; stderr: string }> {
    try {
      const buf = (await this.docker
        .getContainer(containerId)
        .logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      const { stdout, stderr } = demuxBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
      const cap = (b: Buffer): string => {
        const c = new CappedBuffer(maxBytes);
        c.push(b);
        return c.text();
      };
      return { stdout: cap(stdout), stderr: cap(stderr) };
    } catch {
      return { stdout: "", stderr: "" };
    }
  }

  async state(containerId: string): Promise<ContainerState> {
    const info = await this.docker.getContainer(containerId).inspect();
    const hostPorts: Record<number, number> = {};
    for (const [k, v] of Object.entries(info.NetworkSettings?.Ports ?? {}))
      if (v?.[0]?.HostPort) hostPorts[Number(k.split("/")[0])] = Number(v[0].HostPort);
    const nets = Object.values(info.NetworkSettings?.Networks ?? {});
    return {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      health: (info.State as { Health?: { Status: string } }).Health?.Status,
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
      hint: `build it locally, or map it to a local image in cleanroom.toml: [images.aliases] "${image}" = "clnrm/busybox:local"`,
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
