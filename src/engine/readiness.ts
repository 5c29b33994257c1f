/**
 * Readiness checks for services: command exit 0, log line (regex, N times), TCP port,
 * HTTP status, Docker healthcheck, and wait_for_span. Retries with exponential backoff
 * under one deadline; the error says what was checked, what was observed, and the last log lines.
 */
import net from "node:net";
import { CleanroomError } from "../core/errors.js";
import { userRegex } from "../core/regex.js";
import type { HealthCheck, ServiceConfig } from "../config/types.js";
import type { Backend } from "./backend.js";

export interface ReadinessProbe {
  readonly description: string;
  /** Resolves to an observation; `ok` true when ready. */
  check(): Promise<{ ok: boolean; observed: string }>;
  /** Releases what the probe holds (a log follow); called once the wait is over. */
  close?(): void;
}

export function probesFor(
  svc: ServiceConfig,
  containerId: string,
  backend: Backend,
  waitForSpan?: (name: string) => boolean,
): { probes: ReadinessProbe[]; hc?: HealthCheck } {
  const hc = svc.healthCheck;
  const probes: ReadinessProbe[] = [];
  if (hc?.cmd) {
    const cmd = hc.cmd;
    probes.push({
      description: `command ${JSON.stringify(cmd)} exits 0`,
      check: async () => {
        const r = await backend.exec(containerId, cmd, {
          timeoutMs: Math.min(hc.timeoutMs ?? 10_000, 10_000),
        });
        return {
          ok: r.exitCode === 0,
          observed:
            `exit ${r.exitCode}` +
            (r.stderr.trim() ? `, stderr: ${r.stderr.trim().slice(-200)}` : ""),
        };
      },
    });
  }
  if (hc?.log) probes.push(logProbe(hc.log, containerId, backend));
  if (hc?.tcpPort !== undefined) {
    const port = hc.tcpPort;
    probes.push({
      description: `TCP port ${port} accepts connections`,
      check: async () => {
        const ip = (await backend.state(containerId)).ip;
        if (!ip) return { ok: false, observed: "container has no IP address" };
        const ok = await tcpConnect(ip, port, 1000);
        return {
          ok,
          observed: ok
            ? `connected to ${ip}:${port}`
            : `connection to ${ip}:${port} refused or timed out`,
        };
      },
    });
  }
  if (hc?.http) {
    const { port, path, status } = hc.http;
    probes.push({
      description: `GET ${path} on port ${port} returns ${status}`,
      check: async () => {
        const ip = (await backend.state(containerId)).ip;
        if (!ip) return { ok: false, observed: "container has no IP address" };
        try {
          const res = await fetch(`http://${ip}:${port}${path}`, {
            signal: AbortSignal.timeout(2000),
          });
          return { ok: res.status === status, observed: `status ${res.status}` };
        } catch (e) {
          return { ok: false, observed: `request failed: ${(e as Error).message}` };
        }
      },
    });
  }
  if (hc?.docker) {
    probes.push({
      description: "Docker healthcheck reports healthy",
      check: async () => {
        const h = (await backend.state(containerId)).health ?? "none";
        return { ok: h === "healthy", observed: `health ${h}` };
      },
    });
  }
  if (svc.waitForSpan && waitForSpan) {
    const name = svc.waitForSpan;
    probes.push({
      description: `span "${name}" received`,
      check: async () => {
        const ok = waitForSpan(name);
        return { ok, observed: ok ? "received" : "not received yet" };
      },
    });
  }
  return { probes, hc };
}

/**
 * A log line seen N times. With a backend that follows logs, the container's output is followed
 * from its start and every line of stdout and stderr is matched once, as it arrives (the window
 * is the line): the wait keeps working past the cap on kept output and costs O(output) in all,
 * not O(output) per poll. Without one, the kept output is re-read on every poll.
 */
function logProbe(
  log: { readonly regex: string; readonly times: number },
  containerId: string,
  backend: Backend,
): ReadinessProbe {
  const re = userRegex(log.regex, { multiLine: true, keyPath: "health_check.log" });
  const description = `log line /${log.regex}/ seen ${log.times}×`;
  const result = (n: number) => ({ ok: n >= log.times, observed: `seen ${n}×` });
  if (!backend.followLogs)
    return {
      description,
      check: async () => {
        const { stdout, stderr } = await backend.logs(containerId);
        return result(re.count(stdout + stderr));
      },
    };
  let seen = 0;
  let wake: (() => void) | undefined;
  let follow: ReturnType<NonNullable<Backend["followLogs"]>> | undefined;
  return {
    description,
    check: async () => {
      follow ??= backend.followLogs!(containerId, (line) => {
        if (seen >= log.times) return;
        seen += re.count(line);
        if (seen >= log.times) wake?.();
      });
      // a line that arrives soon answers this check, not the next poll
      if (seen < log.times)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 100);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          void follow!.ended.then(wake);
        });
      wake = undefined;
      return result(seen);
    },
    close: () => follow?.stop(),
  };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/** Waits until every probe passes, or throws a Service/Timeout error with observations and logs. */
export async function waitUntilReady(
  svc: ServiceConfig,
  containerId: string,
  backend: Backend,
  probes: readonly ReadinessProbe[],
  deadline: { readonly ms: number; readonly source: string },
  intervalMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadlineMs = deadline.ms;
  const started = Date.now();
  let delay = intervalMs;
  let last = new Map<string, string>();
  try {
    await pollProbes();
  } finally {
    for (const p of probes) p.close?.();
  }
  async function pollProbes(): Promise<void> {
    for (;;) {
      if (signal?.aborted)
        throw signal.reason instanceof CleanroomError
          ? signal.reason
          : new CleanroomError(
              "Service",
              `service "${svc.id}": interrupted while waiting for readiness`,
            );
      const state = await backend.state(containerId);
      if (!state.running)
        throw await notReady(
          svc,
          containerId,
          backend,
          `the container exited with code ${state.exitCode} before it was ready`,
          last,
        );
      const results = await Promise.all(
        probes.map(async (p) => ({
          p,
          r: await p.check().catch((e: Error) => ({ ok: false, observed: e.message })),
        })),
      );
      last = new Map(results.map(({ p, r }) => [p.description, r.observed]));
      if (results.every(({ r }) => r.ok)) return;
      const elapsed = Date.now() - started;
      if (elapsed >= deadlineMs)
        throw await notReady(
          svc,
          containerId,
          backend,
          `not ready after ${elapsed}ms; ` +
            `the readiness timeout is ${deadlineMs} ms (${deadline.source})`,
          last,
          true,
        );
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(10, deadlineMs - elapsed))));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

async function notReady(
  svc: ServiceConfig,
  containerId: string,
  backend: Backend,
  what: string,
  observations: ReadonlyMap<string, string>,
  timeout = false,
): Promise<CleanroomError> {
  const { stdout, stderr } = await backend.logs(containerId);
  const tail = (stdout + stderr).trim().split("\n").slice(-10).join("\n");
  const checks = [...observations].map(([d, o]) => `  checked: ${d}; observed: ${o}`).join("\n");
  return new CleanroomError(
    timeout ? "Timeout" : "Service",
    `service "${svc.id}" (${svc.image}): ${what}\n${checks}\n  last log lines:\n` +
      (tail ? tail.replace(/^/gm, "    ") : "    (no output)"),
    {
      context: { service: svc.id, containerId },
    },
  );
}
