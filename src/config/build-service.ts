/**
 * The `[services.<id>]` (and `[service.<id>]`) tables of a test file: plugin, image, volumes,
 * health check, limits. Part of config/build.ts, split out to keep files small.
 */
import path from "node:path";
import { regexProblem } from "../core/regex.js";
import { didYouMean } from "../core/suggest.js";
import { parseDurationMs } from "./build-checks.js";
import { arr, num, str, stringMap, tbl } from "./raw.js";
import type { HealthCheck, ServiceConfig, Volume } from "./types.js";

type Raw = Record<string, unknown>;

/** Plugin names that mean "a generic container of this image" (upstream fixtures use them). */
export const GENERIC_PLUGIN_ALIASES = new Set([
  "generic_container",
  "generic",
  "container",
  "alpine",
  "ubuntu",
  "debian",
  "busybox",
  "nginx",
  "postgres",
  "redis",
  "node",
  "python",
  "testcontainers",
  "surrealdb",
  "surreal_db",
  // Upstream's other plugin names (reference-behaviour §5.5): run here as generic containers
  // of the given image (upstream's LLM plugins are HTTP endpoints; here they need an image).
  "network_tools",
  "network_service",
  "otel_collector",
  "ollama",
  "vllm",
  "tgi",
  "chaos_engine",
  "ai_test_generator",
]);

/** Upstream plugins that are an HTTP endpoint there, not a container. */
export const ENDPOINT_PLUGINS: Readonly<Record<string, string>> = {
  ollama: "ollama/ollama",
  vllm: "vllm/vllm-openai",
  tgi: "ghcr.io/huggingface/text-generation-inference",
  network_service: "an image serving it",
};

const FORBIDDEN_CONTAINER_DIRS = [
  "/etc",
  "/var",
  "/proc",
  "/sys",
  "/dev",
  "/boot",
  "/root",
  "/bin",
  "/sbin",
  "/lib",
  "/lib64",
  "/usr/bin",
  "/usr/sbin",
];

export type ErrorFn = (keyPath: string, message: string) => void;

export function buildService(
  id: string,
  s: Raw,
  kp: string,
  error: ErrorFn,
  testDir: string,
): ServiceConfig | undefined {
  const plugin = (str(s.plugin) ?? str(s.type) ?? "generic_container").toLowerCase();
  if (!GENERIC_PLUGIN_ALIASES.has(plugin)) {
    const near = didYouMean(plugin, GENERIC_PLUGIN_ALIASES);
    error(
      `${kp}.plugin`,
      `unknown plugin "${plugin}"${near ? ` (did you mean "${near}"?)` : ""}; ` +
        `use "generic_container" ` +
        `(aliases: ${[...GENERIC_PLUGIN_ALIASES].slice(3, 9).join(", ")}, …)`,
    );
    return undefined;
  }
  const image = str(s.image);
  if (!image || image.trim() === "") {
    const endpoint = ENDPOINT_PLUGINS[plugin];
    error(
      `${kp}.image`,
      endpoint
        ? `is required: plugin "${plugin}" is an HTTP endpoint upstream; here it runs as ` +
            `a container of the image you give (e.g. image = "${endpoint}")`
        : "is required (the image the service runs)",
    );
    return undefined;
  }
  if (/\s/.test(image))
    error(`${kp}.image`, `"${image}" is not a valid image reference (contains white space)`);
  const volumes: Volume[] = [];
  arr(s.volumes).forEach((v, i) => {
    const t = tbl(v);
    const written = str(t.host_path) ?? "";
    // A relative host path (`./app`) is relative to the test file's folder, so a test and the
    // code it mounts can move together (examples/, `clnrm init --example`).
    const hostPath = written === "" ? "" : path.resolve(testDir, written);
    const containerPath = str(t.container_path) ?? "";
    if (!path.posix.isAbsolute(containerPath))
      error(
        `${kp}.volumes[${i}].container_path`,
        `must be an absolute path, got "${containerPath}"`,
      );
    const bad = FORBIDDEN_CONTAINER_DIRS.find(
      (d) => containerPath === d || containerPath.startsWith(`${d}/`),
    );
    if (bad) error(`${kp}.volumes[${i}].container_path`, `mounting over ${bad} is not allowed`);
    volumes.push({ hostPath, containerPath, readOnly: t.read_only === true });
  });
  return {
    id,
    plugin: "generic_container",
    image,
    args: s.args === undefined ? undefined : arr(s.args).map(String),
    env: { ...stringMap(s.environment), ...stringMap(s.env) },
    ports: arr(s.ports).map(Number),
    volumes,
    workdir: str(s.workdir),
    dependsOn: arr(s.depends_on).map(String),
    healthCheck:
      s.health_check === undefined
        ? undefined
        : buildHealthCheck(tbl(s.health_check), `${kp}.health_check`, error),
    waitForSpan: str(s.wait_for_span),
    waitForSpanTimeoutMs: (num(s.wait_for_span_timeout_secs) ?? 30) * 1000,
    limits:
      s.limits === undefined
        ? undefined
        : {
            cpuMillicores: num(tbl(s.limits).cpu_millicores),
            memoryMb: num(tbl(s.limits).memory_mb),
          },
    stopTimeoutMs: num(s.stop_timeout_ms),
    allowExit: s.allow_exit === true,
  };
}

function buildHealthCheck(h: Raw, kp: string, error: ErrorFn): HealthCheck {
  const http = h.http === undefined ? undefined : tbl(h.http);
  const ms = <D extends number | undefined>(msKey: string, strKey: string, dflt: D): number | D => {
    const direct = num(h[msKey]);
    if (direct !== undefined) return direct;
    const text = str(h[strKey]);
    if (text === undefined) return dflt;
    const parsed = parseDurationMs(text);
    if (parsed === undefined)
      error(`${kp}.${strKey}`, `"${text}" is not a duration (write e.g. "500ms", "5s", "1m")`);
    return parsed ?? dflt;
  };
  const check: HealthCheck = {
    cmd: h.cmd === undefined ? undefined : arr(h.cmd).map(String),
    log: h.log === undefined ? undefined : { regex: String(h.log), times: num(h.log_times) ?? 1 },
    tcpPort: num(h.tcp_port),
    http: http
      ? { port: Number(http.port), path: str(http.path) ?? "/", status: num(http.status) ?? 200 }
      : undefined,
    docker: h.docker === true ? true : undefined,
    intervalMs: ms("interval_ms", "interval", 250),
    timeoutMs: ms("timeout_ms", "timeout", undefined),
    retries: num(h.retries) ?? 1000,
  };
  const logProblem = check.log && regexProblem(check.log.regex);
  if (logProblem) error(`${kp}.log`, logProblem);
  if (!check.cmd && !check.log && check.tcpPort === undefined && !check.http && !check.docker)
    error(kp, "needs at least one of cmd, log, tcp_port, http, docker");
  return check;
}
