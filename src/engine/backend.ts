/** The container backend interface. The Docker implementation lives in engine/docker/. */
import { hostname } from "node:os";
import type { PullPolicy } from "../config/project.js";

export const LABEL_MANAGED = "clnrm.managed";
export const LABEL_RUN_ID = "clnrm.run-id";
export const LABEL_PID = "clnrm.pid";
export const LABEL_HOST = "clnrm.host";
export const LABEL_TEST = "clnrm.test";
/**
 * The labels of everything a run creates: managed, its run id, and the process and host that
 * own it, so a sweep can tell a dead run's leftovers (engine/sweeper.ts) from a live run's.
 */
export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_RUN_ID]: runId,
    [LABEL_PID]: String(process.pid),
    [LABEL_HOST]: hostname(),
  };
}
/** Bytes of each output stream (stdout, stderr) kept for reports by default. */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export interface NetworkInfo {
  readonly id: string;
  readonly name: string;
  readonly internal: boolean;
  /** The bridge gateway: the host's address on this network. */
  readonly gateway: string;
  /** The network's address range (CIDR): every container of the test has its address in it. */
  readonly subnet?: string;
}

export interface ContainerSpec {
  readonly image: string;
  readonly cmd?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly network?: { readonly name: string; readonly aliases: readonly string[] };
  readonly workdir?: string;
  readonly binds?: readonly string[];
  readonly ports?: readonly number[];
  readonly nanoCpus?: number;
  readonly memoryBytes?: number;
  readonly name?: string;
  readonly healthcheck?: {
    readonly test: readonly string[];
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly retries: number;
  };
}

export interface ExecOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly maxOutputBytes?: number;
  /** Every stdout line as it arrives, past the kept cap too (stdout spans: issue 12). */
  readonly onStdoutLine?: (line: string) => void;
}

export type OutputStream = "stdout" | "stderr";

/**
 * A container's or exec's output as kept for reports: at most the cap of each stream; the bytes
 * past it are counted (and were still shown, line by line, to the line listeners).
 */
export interface ContainerOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutDropped?: number;
  readonly stderrDropped?: number;
}

export interface LogOptions {
  /** Bytes of each stream kept (default 1 MiB). */
  readonly maxBytes?: number;
  /** Every stdout line, past the kept cap too. */
  readonly onStdoutLine?: (line: string) => void;
}

/** A running follow of a container's output (see Backend.followLogs). */
export interface LogFollow {
  /** Resolves when the output ended: the container exited, or stop() was called. */
  readonly ended: Promise<void>;
  stop(): void;
}

export interface ExecResult extends ContainerOutput {
  readonly exitCode: number;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** The kernel killed it for exceeding its memory limit (Docker State.OOMKilled). */
  readonly oomKilled?: boolean;
  readonly memoryLimitBytes?: number;
}

export interface WaitResult {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly oomKilled?: boolean;
  readonly memoryLimitBytes?: number;
}

export interface ContainerState {
  readonly running: boolean;
  readonly exitCode: number;
  readonly health?: string;
  readonly ip?: string;
  readonly hostPorts: Readonly<Record<number, number>>;
}

export interface Backend {
  readonly name: string;
  /** Throws a Container error naming the endpoint when no engine answers. */
  ping(): Promise<string>;
  /**
   * Makes sure the image is present according to the pull policy; returns its id. A pull that
   * takes longer than `pullTimeoutMs` is abandoned with a Timeout error.
   */
  ensureImage(image: string, policy: PullPolicy, pullTimeoutMs?: number): Promise<string>;
  createNetwork(
    name: string,
    internal: boolean,
    labels: Readonly<Record<string, string>>,
  ): Promise<NetworkInfo>;
  removeNetwork(id: string): Promise<void>;
  /**
   * Creates and starts a container; the id is returned even if the start fails
   * (error.context.containerId).
   */
  start(spec: ContainerSpec): Promise<string>;
  exec(containerId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  wait(
    containerId: string,
    timeoutMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<WaitResult>;
  /** The output so far, read as a stream: a capped copy is kept, every stdout line is shown. */
  logs(containerId: string, options?: LogOptions): Promise<ContainerOutput>;
  /**
   * Follows the output from the container's start: every line of both streams, as it arrives,
   * with nothing kept (log readiness waits). Optional: without it, waits poll logs().
   */
  followLogs?(containerId: string, onLine: (line: string, stream: OutputStream) => void): LogFollow;
  /**
   * Streams a container's output from its start, chunk by chunk as the engine delivers it, until
   * the container exits (`ended` resolves once everything it wrote was delivered) or `close()`.
   * Used for the sidecar receiver's records (engine/receiver-sidecar.ts).
   */
  follow(
    containerId: string,
    onStdout: (chunk: Buffer) => void,
    onStderr?: OutputSink,
  ): Promise<Following>;
  state(containerId: string): Promise<ContainerState>;
  kill(containerId: string): Promise<void>;
  /**
   * Graceful stop: the image's stop signal (SIGTERM by default), then SIGKILL after `graceMs`.
   * Resolves once the container has exited; a container that already exited or is gone is fine.
   */
  stop(containerId: string, graceMs: number): Promise<void>;
  remove(containerId: string): Promise<void>;
  /** Lists labelled resources: containers and networks with their labels. */
  listManaged(): Promise<{ containers: ManagedResource[]; networks: ManagedResource[] }>;
}

export type OutputSink = (chunk: Buffer) => void;

export interface Following {
  /** Resolves when the stream ended: the container exited and its output was all delivered. */
  readonly ended: Promise<void>;
  close(): void;
}

export interface ManagedResource {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Containers, when the backend knows them: name, image and state (for `services status`). */
  readonly name?: string;
  readonly image?: string;
  readonly state?: string;
}
