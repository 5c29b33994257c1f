/**
 * An in-memory Backend for fast unit tests of the orchestration (ordering, timeouts, cleanup on
 * every failure path). Containers "run" for `runMs` of wall time and exit with the scripted code;
 * every call is appended to `events`, and `live()` tells what was created and not removed.
 * Like the Docker engine, it refuses to remove a network that still has containers on it.
 * Real-Docker behaviour stays covered by the integration tests.
 */
import { CleanroomError } from "../../src/core/errors.js";
import type {
  Backend,
  ContainerSpec,
  ContainerState,
  ExecResult,
  Following,
  ManagedResource,
  NetworkInfo,
  WaitResult,
} from "../../src/engine/backend.js";

/** What a container does: chosen per container from its spec. */
export interface FakeBehaviour {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** How long the container's command runs before exiting (ms); default 0. */
  readonly runMs?: number;
  /** Creating the container works but starting it fails with this message. */
  readonly startError?: string;
}

interface FakeContainer {
  readonly spec: ContainerSpec;
  readonly behaviour: FakeBehaviour;
  readonly startedAt: number;
  running: boolean;
  exitCode: number;
  exited: Promise<void>;
  exit: (code: number) => void;
}

interface FakeNetwork extends NetworkInfo {
  readonly labels: Readonly<Record<string, string>>;
}

/** The network alias a container was started with (its service id, "default", "scenario"). */
export const aliasOf = (spec: ContainerSpec): string => spec.network?.aliases[0] ?? "?";

export class FakeBackend implements Backend {
  readonly name = "fake";
  readonly events: string[] = [];
  private readonly containers = new Map<string, FakeContainer>();
  private readonly networks = new Map<string, FakeNetwork>();
  private seq = 0;
  /** Images that are "not present and not pullable". */
  readonly missingImages = new Set<string>();
  /** How long each network create takes (ms), like the engine's ~245 ms. */
  networkCreateMs = 0;
  networksCreated = 0;

  constructor(private readonly behave: (spec: ContainerSpec) => FakeBehaviour = () => ({})) {}

  /** Containers and networks created and not removed. */
  live(): { containers: string[]; networks: string[] } {
    return {
      containers: [...this.containers.values()].map((c) => aliasOf(c.spec)),
      networks: [...this.networks.values()].map((n) => n.name),
    };
  }

  async ping(): Promise<string> {
    return "fake";
  }

  async ensureImage(image: string): Promise<string> {
    this.events.push(`image ${image}`);
    if (this.missingImages.has(image))
      throw new CleanroomError("Container", `image ${image} is not present locally`);
    return `sha256:${image}`;
  }

  async createNetwork(
    name: string,
    internal: boolean,
    labels: Readonly<Record<string, string>>,
  ): Promise<NetworkInfo> {
    if (this.networkCreateMs) await new Promise((r) => setTimeout(r, this.networkCreateMs));
    const id = `net${++this.seq}`;
    this.networksCreated++;
    this.networks.set(id, { id, name, internal, gateway: "127.0.0.1", labels });
    this.events.push(`network.create${internal ? " internal" : ""}`);
    return this.networks.get(id)!;
  }

  async removeNetwork(id: string): Promise<void> {
    const net = this.networks.get(id);
    if (!net) return;
    const attached = [...this.containers.values()].filter((c) => c.spec.network?.name === net.name);
    if (attached.length)
      throw new CleanroomError("Network", `network ${net.name} has active endpoints`);
    this.networks.delete(id);
    this.events.push("network.remove");
  }

  async start(spec: ContainerSpec): Promise<string> {
    const id = `c${++this.seq}`;
    const behaviour = this.behave(spec);
    let exit!: (code: number) => void;
    const c: FakeContainer = {
      spec,
      behaviour,
      startedAt: Date.now(),
      running: !behaviour.startError,
      exitCode: behaviour.exitCode ?? 0,
      exited: new Promise<void>((r) => {
        exit = (code) => {
          if (!c.running) return;
          c.running = false;
          c.exitCode = code;
          r();
        };
      }),
      exit: (code) => exit(code),
    };
    this.containers.set(id, c);
    if (behaviour.startError) {
      this.events.push(`start.fail ${aliasOf(spec)}`);
      throw new CleanroomError("Container", behaviour.startError, { context: { containerId: id } });
    }
    this.events.push(`start ${aliasOf(spec)}`);
    // A one-shot command exits by itself; a keep-alive (`sleep`) runs until killed.
    if (spec.cmd?.[0] !== "sleep")
      setTimeout(() => c.exit(behaviour.exitCode ?? 0), behaviour.runMs ?? 0);
    return id;
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new CleanroomError("Container", `no such container ${id}`);
    return c;
  }

  async exec(id: string, argv: readonly string[]): Promise<ExecResult> {
    const c = this.get(id);
    this.events.push(`exec ${aliasOf(c.spec)} ${argv.join(" ")}`);
    return { exitCode: 0, stdout: "", stderr: "", durationMs: 0, timedOut: false };
  }

  async wait(id: string, timeoutMs: number | undefined, signal?: AbortSignal): Promise<WaitResult> {
    const c = this.get(id);
    const started = Date.now();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => c.exit(137);
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
    if (signal?.aborted) kill();
    else signal?.addEventListener("abort", kill, { once: true });
    await c.exited;
    if (timer) clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
    this.events.push(`exited ${aliasOf(c.spec)} ${c.exitCode}`);
    return { exitCode: c.exitCode, timedOut, durationMs: Date.now() - started };
  }

  async logs(id: string): Promise<{ stdout: string; stderr: string }> {
    const c = this.get(id);
    return { stdout: c.behaviour.stdout ?? "", stderr: c.behaviour.stderr ?? "" };
  }

  /** The scripted stdout/stderr at once; the stream ends when the container exits. */
  async follow(
    id: string,
    onStdout: (b: Buffer) => void,
    onStderr?: (b: Buffer) => void,
  ): Promise<Following> {
    const c = this.get(id);
    if (c.behaviour.stdout) onStdout(Buffer.from(c.behaviour.stdout));
    if (c.behaviour.stderr) onStderr?.(Buffer.from(c.behaviour.stderr));
    return { ended: c.exited, close: () => undefined };
  }

  async state(id: string): Promise<ContainerState> {
    const c = this.get(id);
    return { running: c.running, exitCode: c.exitCode, hostPorts: {} };
  }

  /** Graceful stop: the fake process ends as if SIGTERM (exit 143). */
  async stop(id: string, _graceMs: number): Promise<void> {
    const c = this.get(id);
    this.events.push(`stop ${aliasOf(c.spec)}`);
    if (c.running) c.exit(143);
  }

  async kill(id: string): Promise<void> {
    this.get(id).exit(137);
  }

  async remove(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    c.exit(137);
    this.containers.delete(id);
    this.events.push(`remove ${aliasOf(c.spec)}`);
  }

  async listManaged(): Promise<{ containers: ManagedResource[]; networks: ManagedResource[] }> {
    return {
      containers: [...this.containers].map(([id, c]) => ({ id, labels: c.spec.labels })),
      networks: [...this.networks.values()].map((n) => ({ id: n.id, labels: n.labels })),
    };
  }
}
