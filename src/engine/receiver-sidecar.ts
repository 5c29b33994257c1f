/**
 * The sidecar container of `--receiver sidecar`: a labelled container on the test's own network,
 * reachable by a network alias, whose stdout clnrm follows through the engine API. What the
 * container runs and what its output means is the caller's business (telemetry/sidecar-*.ts);
 * this module only starts it, streams it, stops it last and removes it, whatever happens.
 */
import type { PullPolicy } from "../config/project.js";
import { CleanroomError } from "../core/errors.js";
import type { Backend, Following, NetworkInfo } from "./backend.js";

/** Marks the receiver container among a test's containers (`clnrm services status`, sweeps). */
export const LABEL_ROLE = "clnrm.role";

export interface SidecarOptions {
  readonly image: string;
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly alias: string;
  readonly network: NetworkInfo;
  readonly labels: Readonly<Record<string, string>>;
  readonly pullPolicy: PullPolicy;
  readonly pullTimeoutMs?: number;
  /** Resolves once the program in the container says it is ready (from its stdout). */
  readonly ready: Promise<void>;
  readonly readyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface SidecarContainer {
  readonly id: string;
  /**
   * Stops the container gracefully (SIGTERM, SIGKILL after `graceMs`) and resolves once its
   * output stream ended, i.e. everything it wrote was delivered to `onStdout`.
   */
  drain(graceMs: number, timeoutMs?: number): Promise<void>;
  /** Removes the container (idempotent, never throws). */
  remove(): Promise<void>;
}

/** Starts the sidecar and waits until it is ready; on any failure it is removed before throwing. */
export async function startSidecar(
  backend: Backend,
  o: SidecarOptions,
  onStdout: (chunk: Buffer) => void,
): Promise<SidecarContainer> {
  await backend.ensureImage(o.image, o.pullPolicy, o.pullTimeoutMs);
  let id: string | undefined;
  let following: Following | undefined;
  let stderr = "";
  const remove = async (): Promise<void> => {
    following?.close();
    if (id) await backend.remove(id).catch(() => undefined);
  };
  try {
    try {
      id = await backend.start({
        image: o.image,
        cmd: o.cmd,
        env: o.env,
        labels: { ...o.labels, [LABEL_ROLE]: "otlp-receiver" },
        network: { name: o.network.name, aliases: [o.alias] },
      });
    } catch (e) {
      id = e instanceof CleanroomError ? e.context.containerId : undefined;
      throw e;
    }
    following = await backend.follow(id, onStdout, (c) => {
      if (stderr.length < 4000) stderr += c.toString("utf8");
    });
    await readyOrFail(o, following.ended, () => stderr);
  } catch (e) {
    await remove();
    throw e instanceof CleanroomError
      ? e.withContext({ service: "otlp sidecar" })
      : new CleanroomError("Network", `the OTLP sidecar receiver did not start: ${e}`, {
          cause: e,
        });
  }
  const ended = following.ended;
  const cid = id;
  return {
    id: cid,
    drain: async (graceMs, timeoutMs = graceMs + 10_000) => {
      await backend.stop(cid, graceMs).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((r) => {
        timer = setTimeout(() => r("late"), timeoutMs);
      });
      const r = await Promise.race([ended, late]);
      clearTimeout(timer);
      if (r === "late")
        throw new CleanroomError(
          "Timeout",
          `the OTLP sidecar's output stream did not end within ${timeoutMs} ms of its stop`,
        );
    },
    remove,
  };
}

async function readyOrFail(
  o: SidecarOptions,
  ended: Promise<void>,
  stderr: () => string,
): Promise<void> {
  const ms = o.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CleanroomError("Timeout", `the OTLP sidecar was not ready after ${ms} ms`)),
      ms,
    );
    onAbort = () => reject(new CleanroomError("Internal", "run interrupted"));
    o.signal?.addEventListener("abort", onAbort, { once: true });
    ended.then(() =>
      reject(
        new CleanroomError(
          "Network",
          `the OTLP sidecar exited before it was ready (image ${o.image}): ` +
            (stderr().trim().split("\n").slice(-5).join(" | ") || "no output"),
          { hint: "[otel] receiver_image in cleanroom.toml must be an image with node ≥ 18" },
        ),
      ),
    );
  });
  failed.catch(() => undefined); // it may reject after the race was decided
  if (o.signal?.aborted) onAbort?.();
  try {
    await Promise.race([o.ready, failed]);
  } finally {
    clearTimeout(timer);
    if (onAbort) o.signal?.removeEventListener("abort", onAbort);
  }
}
