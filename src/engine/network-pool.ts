/**
 * A small pool of labelled test networks, reused across the tests of one run: creating a
 * bridge network costs ~245 ms, about as much as the one-shot container a scenario runs in.
 *
 * The pool is a Backend decorator, so the engine needs no hook: `createNetwork` leases a free
 * pooled network of the same kind (internal or not) or creates one, and `removeNetwork` gives
 * it back. A network is handed out to one test at a time, and only goes back to the pool when
 * every container started on it was removed (otherwise it is removed, so no stale container
 * or DNS alias can meet the next test). `warm(n)` creates networks ahead, while the run does
 * its other set-up. After `drain()` (no test will start any more) a network given back is
 * removed in the background, while its test still collects spans and reports; `close()` waits
 * for those removals and removes the rest. Pooled networks carry `clnrm.managed`,
 * `clnrm.run-id`, `clnrm.pid` and `clnrm.host` like any other, so a crashed run's pool is
 * swept by the next run.
 */
import type { PullPolicy } from "../config/project.js";
import type { Backend, ContainerSpec, NetworkInfo } from "./backend.js";
import { runLabels } from "./backend.js";

interface Entry {
  readonly internal: boolean;
  readonly info: Promise<NetworkInfo>;
  busy: boolean;
  /** Set once `info` settled. */
  id?: string;
}

export class NetworkPool implements Backend {
  readonly name: string;
  private readonly entries: Entry[] = [];
  /** Containers started on each network (by name) and not removed yet. */
  private readonly live = new Map<string, Set<string>>();
  private seq = 0;
  private closed = false;
  private draining = false;
  private readonly removing: Promise<void>[] = [];
  /** Networks created (not leased from the pool) since the pool was made. */
  created = 0;

  constructor(
    private readonly inner: Backend,
    private readonly runId: string,
  ) {
    this.name = inner.name;
    const follow = inner.followLogs?.bind(inner);
    if (follow) this.followLogs = follow;
  }

  /** Starts creating networks in the background until `n` of this kind exist. */
  warm(n: number, internal: boolean): void {
    const have = this.entries.filter((e) => e.internal === internal).length;
    for (let i = have; i < n; i++) this.add(internal, false).info.catch(() => undefined);
  }

  private add(internal: boolean, busy: boolean): Entry {
    const labels = runLabels(this.runId);
    const name = `clnrm-${this.runId}-pool-${++this.seq}${internal ? "-internal" : ""}`;
    this.created++;
    const entry: Entry = { internal, busy, info: this.inner.createNetwork(name, internal, labels) };
    entry.info.then(
      (info) => {
        entry.id = info.id;
      },
      () => this.drop(entry),
    );
    this.entries.push(entry);
    return entry;
  }

  private drop(entry: Entry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  async createNetwork(
    _name: string,
    internal: boolean,
    _labels: Readonly<Record<string, string>>,
  ): Promise<NetworkInfo> {
    const free = this.entries.find((e) => !e.busy && e.internal === internal);
    if (free) {
      free.busy = true;
      try {
        return await free.info;
      } catch {
        // a pre-created network failed (dropped from the pool): create one for this test now
      }
    }
    return this.add(internal, true).info;
  }

  async removeNetwork(id: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return this.inner.removeNetwork(id);
    const info = await entry.info;
    if (this.closed || this.draining || (this.live.get(info.name)?.size ?? 0) > 0) {
      this.drop(entry);
      this.live.delete(info.name);
      if (!this.draining || this.closed) return this.inner.removeNetwork(id);
      this.removing.push(this.inner.removeNetwork(id).catch(() => undefined));
      return;
    }
    entry.busy = false;
  }

  /** No test will start after this: networks given back are removed, not kept. */
  drain(): void {
    this.draining = true;
  }

  /** Removes every pooled network (waiting for ones still being created). */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.entries.splice(0);
    // the removals given back during the run and the rest, at once
    await Promise.all([
      ...this.removing.splice(0),
      ...all.map(async (e) => {
        const info = await e.info.catch(() => undefined);
        if (info) await this.inner.removeNetwork(info.id).catch(() => undefined);
      }),
    ]);
  }

  async start(spec: ContainerSpec): Promise<string> {
    const net = spec.network?.name;
    const track = (id: string | undefined): void => {
      if (!net || !id) return;
      const set = this.live.get(net) ?? new Set<string>();
      set.add(id);
      this.live.set(net, set);
    };
    try {
      const id = await this.inner.start(spec);
      track(id);
      return id;
    } catch (e) {
      track((e as { context?: { containerId?: string } }).context?.containerId);
      throw e;
    }
  }

  stop(id: string, graceMs: number): Promise<void> {
    return this.inner.stop(id, graceMs);
  }

  async remove(containerId: string): Promise<void> {
    await this.inner.remove(containerId);
    for (const set of this.live.values()) set.delete(containerId);
  }

  ping(): Promise<string> {
    return this.inner.ping();
  }
  ensureImage(image: string, policy: PullPolicy): Promise<string> {
    return this.inner.ensureImage(image, policy);
  }
  exec: Backend["exec"] = (id, argv, options) => this.inner.exec(id, argv, options);
  wait: Backend["wait"] = (id, timeoutMs, signal) => this.inner.wait(id, timeoutMs, signal);
  logs: Backend["logs"] = (id, options) => this.inner.logs(id, options);
  readonly followLogs?: Backend["followLogs"];
  follow: Backend["follow"] = (id, out, err) => this.inner.follow(id, out, err);
  state: Backend["state"] = (id) => this.inner.state(id);
  kill: Backend["kill"] = (id) => this.inner.kill(id);
  listManaged: Backend["listManaged"] = () => this.inner.listManaged();
}
