/**
 * Removes labelled leftovers: resources of a given run, and resources of runs whose
 * process is gone (a run killed with SIGKILL cannot clean up after itself).
 * This replaces testcontainers' Ryuk, which would need an image pull (toolchain.md Q1).
 */
import { hostname } from "node:os";
import type { Backend, ManagedResource } from "./backend.js";
import { LABEL_HOST, LABEL_PID, LABEL_RUN_ID } from "./backend.js";

export interface SweepResult {
  readonly containers: number;
  readonly networks: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the resource belongs to `runId`, or to a run on this host whose process has exited. */
export function isSweepable(r: ManagedResource, runId?: string): boolean {
  if (runId !== undefined) return r.labels[LABEL_RUN_ID] === runId;
  if (r.labels[LABEL_HOST] !== hostname()) return false;
  const pid = Number(r.labels[LABEL_PID]);
  return !Number.isInteger(pid) || pid <= 0 || (pid !== process.pid && !processAlive(pid));
}

export async function sweep(backend: Backend, runId?: string): Promise<SweepResult> {
  const { containers, networks } = await backend.listManaged();
  const deadContainers = containers.filter((c) => isSweepable(c, runId));
  await Promise.all(deadContainers.map((c) => backend.remove(c.id).catch(() => undefined)));
  const deadNetworks = networks.filter((n) => isSweepable(n, runId));
  for (const n of deadNetworks) await backend.removeNetwork(n.id).catch(() => undefined);
  return { containers: deadContainers.length, networks: deadNetworks.length };
}
