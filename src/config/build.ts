/**
 * Turns a parsed TOML document into the TestConfig model, with schema and cross-reference checks.
 */
import path from "node:path";
import { regexProblem } from "../core/regex.js";
import { checkShape } from "./schema.js";
import { arr, num, str, stringMap, tbl } from "./raw.js";
import { TEST_FILE_SCHEMA } from "./test-schema.js";
import { shellWords } from "./shell-words.js";
import { locateKey } from "./locate.js";
import { buildExpectations } from "./build-expect.js";
import { didYouMean } from "../core/suggest.js";
import { checkDependencies, parseDurationMs, SIDECAR_RECEIVER_ALIAS } from "./build-checks.js";

export { parseDurationMs };
import type {
  ConfigIssue,
  HealthCheck,
  ScenarioConfig,
  ServiceConfig,
  StepConfig,
  TestConfig,
  Volume,
} from "./types.js";

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

export interface BuildResult {
  readonly config?: TestConfig;
  readonly issues: readonly ConfigIssue[];
}

export function buildTestConfig(raw: Raw, file: string, source: string): BuildResult {
  const issues: ConfigIssue[] = [];
  checkShape(raw, TEST_FILE_SCHEMA, "", issues);
  const locate = (list: ConfigIssue[]): ConfigIssue[] =>
    list.map((i) => {
      const at = i.line === undefined ? locateKey(source, i.keyPath) : undefined;
      return at ? { ...i, line: at.line, column: at.column } : i;
    });
  // The builders below read only values whose type the schema has checked: a value of the
  // wrong type (a table where a string is expected) stops here as a located error.
  if (issues.some((i) => i.severity === "error")) return { issues: locate(issues) };
  const error = (keyPath: string, message: string): void =>
    void issues.push({ severity: "error", keyPath, message });
  const warn = (keyPath: string, message: string): void =>
    void issues.push({ severity: "warning", keyPath, message });

  const meta = tbl(raw.meta);
  const legacyMeta = tbl(tbl(raw.test).metadata);
  const name = str(meta.name) ?? str(legacyMeta.name);
  if (raw.meta === undefined && raw.test === undefined)
    issues.push({
      severity: "error",
      keyPath: "meta",
      message: "a test needs [meta] with a name (or legacy [test.metadata])",
      line: 1,
    });

  const serviceTables: [string, Raw][] = [];
  for (const key of ["service", "services"] as const) {
    for (const [id, v] of Object.entries(tbl(raw[key]))) {
      if (serviceTables.some(([other]) => other === id))
        warn(
          `${key}.${id}`,
          `service "${id}" is defined in both [service] and [services]; the [services] one is used`,
        );
      // engines resolve names case-insensitively: CLNRM-OTEL would answer for the sidecar too
      if (id.toLowerCase() === SIDECAR_RECEIVER_ALIAS)
        error(
          `${key}.${id}`,
          `the service name "${id}" is reserved: it is the network alias of the OTLP sidecar ` +
            "receiver (--receiver sidecar); choose another name",
        );
      serviceTables.push([id, tbl(v)]);
    }
  }
  const services = new Map<string, ServiceConfig>();
  const declared = new Set(serviceTables.map(([id]) => id));
  for (const [id, s] of serviceTables) {
    const svc = buildService(
      id,
      s,
      `${raw.services && tbl(raw.services)[id] ? "services" : "service"}.${id}`,
      error,
      path.dirname(path.resolve(file)),
    );
    if (svc) services.set(id, svc);
  }
  const section = (id: string): string =>
    `${raw.services && tbl(raw.services)[id] ? "services" : "service"}.${id}`;
  checkDependencies([...services.values()], declared, (kp, m) => error(kp, m), section);

  const known = { built: services, declared };
  const steps = arr(raw.steps).map((s, i) => buildStep(tbl(s), i, `steps[${i}]`, known, error));
  const stdoutExporter = str(tbl(raw.otel).exporter)?.toLowerCase() === "stdout";
  const scenarios = arr(raw.scenario).map((s, i) =>
    buildScenario(tbl(s), i, known, error, stdoutExporter),
  );
  // The cache, the span attribution and every report key scenarios by name.
  for (const [i, sc] of scenarios.entries()) {
    const first = scenarios.findIndex((o) => o.name === sc.name);
    if (first !== i)
      error(
        `scenario[${i}].name`,
        `duplicate scenario name "${sc.name}" (also scenario[${first}]): names must be unique`,
      );
  }
  for (const [id, s] of serviceTables)
    if (s.environment !== undefined)
      warn(
        `${raw.services && tbl(raw.services)[id] ? "services" : "service"}.${id}.environment`,
        "`environment` is read as `env` (write `env`)",
      );
  if (steps.length === 0 && scenarios.length === 0)
    issues.push({
      severity: "error",
      keyPath: "scenario",
      message: "a test needs at least one [[scenario]] or [[steps]] entry (add one at the end)",
      line: Math.max(1, source.trimEnd().split("\n").length),
    });

  const { expect, hasExpectations } = buildExpectations(tbl(raw.expect));
  const otelRaw = tbl(raw.otel);
  const det = tbl(raw.determinism);
  const report = tbl(raw.report);
  for (const k of ["json", "junit", "digest", "html"]) {
    const p = str(report[k]);
    // issue 12: a test file (e.g. from a pull request) must not write outside the report dir
    if (p !== undefined && (path.isAbsolute(p) || path.normalize(p).split(/[\\/]/)[0] === ".."))
      error(
        `report.${k}`,
        `report path "${p}" leaves the report directory: [report] paths are relative to ` +
          "report_dir and stay inside it (use --report-" +
          (k === "digest" ? "digest" : k) +
          " for a path of your choice)",
      );
  }
  const timeout = str(legacyMeta.timeout);
  const located = locate(issues);
  if (located.some((i) => i.severity === "error")) return { issues: located };

  const config: TestConfig = {
    file,
    format:
      raw.test !== undefined || raw.steps !== undefined || raw.services !== undefined
        ? "legacy"
        : "v0.7",
    name: name ?? path.basename(file),
    version: str(meta.version) ?? str(legacyMeta.version),
    description: str(meta.description) ?? str(legacyMeta.description),
    vars: tbl(raw.vars),
    otel:
      raw.otel === undefined
        ? undefined
        : {
            exporter: str(otelRaw.exporter),
            endpoint: str(otelRaw.endpoint),
            protocol: str(otelRaw.protocol),
            sampleRatio: num(otelRaw.sample_ratio),
            resources: stringMap(otelRaw.resources),
            headers: stringMap(otelRaw.headers),
            propagators: arr(tbl(otelRaw.propagators).use).map(String),
          },
    services: [...services.values()],
    scenarios,
    steps,
    stepsStdoutSpans: stdoutExporter,
    expect,
    hasExpectations,
    limits:
      raw.limits === undefined
        ? undefined
        : {
            cpuMillicores: num(tbl(raw.limits).cpu_millicores),
            memoryMb: num(tbl(raw.limits).memory_mb),
            maxSpans: num(tbl(raw.limits).max_spans),
          },
    determinism:
      raw.determinism === undefined
        ? undefined
        : { seed: num(det.seed), freezeClock: str(det.freeze_clock) },
    report: {
      json: str(report.json),
      junit: str(report.junit),
      digest: str(report.digest),
      html: str(report.html),
    },
    hermetic: expect.hermeticity?.noExternalServices === true,
    warnings: located,
    source,
    timeoutMs: timeout
      ? parseDurationMs(timeout)
      : num(legacyMeta.timeout_seconds) !== undefined
        ? num(legacyMeta.timeout_seconds)! * 1000
        : undefined,
  };
  return { config, issues: located };
}

type ErrorFn = (keyPath: string, message: string) => void;

function buildService(
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

function buildStep(
  s: Raw,
  index: number,
  kp: string,
  services: KnownServices,
  error: ErrorFn,
): StepConfig {
  const service = str(s.service);
  checkServiceRef(service, `${kp}.service`, services, error);
  for (const key of ["expected_output_regex", "expected_output_regex_not"] as const) {
    const re = str(s[key]);
    if (re === undefined) continue;
    const problem = regexProblem(re);
    if (problem) error(`${kp}.${key}`, problem);
  }
  return {
    name: str(s.name) ?? `step_${index}`,
    command: arr(s.command).map(String),
    service,
    env: stringMap(s.env),
    workdir: str(s.workdir),
    expectedExitCode: num(s.expected_exit_code) ?? 0,
    expectedOutputRegex: str(s.expected_output_regex),
    expectedOutputRegexNot: str(s.expected_output_regex_not),
    expectedOutputContains: str(s.expected_output_contains),
    timeoutMs: num(s.timeout_ms),
    continueOnFailure: s.continue_on_failure === true,
    index,
  };
}

function buildScenario(
  s: Raw,
  index: number,
  services: KnownServices,
  error: ErrorFn,
  stdoutExporter: boolean,
): ScenarioConfig {
  const kp = `scenario[${index}]`;
  const service = str(s.service);
  // `run` is a string (split like a shell splits words) or an exact argv array.
  const runArgv = Array.isArray(s.run) ? s.run.map(String) : undefined;
  const run = runArgv ? runArgv.join(" ") : str(s.run);
  checkServiceRef(service, `${kp}.service`, services, error);
  const steps = arr(s.steps).map((st, i) =>
    buildStep(tbl(st), i, `${kp}.steps[${i}]`, services, error),
  );
  if (service === undefined && run === undefined && steps.length === 0)
    error(kp, "a scenario needs `run` (with an optional `service`) or `steps`");
  const artifacts = arr(tbl(s.artifacts).collect).map(String);
  let argv: string[] | undefined = runArgv;
  if (run !== undefined && argv === undefined) {
    try {
      argv = shellWords(run);
    } catch (e) {
      error(`${kp}.run`, `cannot split the command into words: ${(e as Error).message}`);
    }
  }
  return {
    name: str(s.name) ?? `scenario_${index}`,
    service,
    run,
    argv,
    steps,
    env: stringMap(s.env),
    timeoutMs: num(s.timeout_ms),
    expectedExitCode: num(s.expected_exit_code) ?? 0,
    expectedOutputRegex: str(s.expected_output_regex),
    artifacts,
    stdoutSpans: stdoutExporter || artifacts.some((x) => x.startsWith("spans:")),
    index,
  };
}

interface KnownServices {
  readonly built: ReadonlyMap<string, ServiceConfig>;
  /** Every id declared, including services whose own definition has an error. */
  readonly declared: ReadonlySet<string>;
}

/** `unknown service` only when the id is not declared at all (an invalid one has its own error). */
function checkServiceRef(
  service: string | undefined,
  kp: string,
  services: KnownServices,
  error: ErrorFn,
): void {
  if (service === undefined || services.declared.has(service)) return;
  const ids = [...services.declared];
  const near = didYouMean(service, ids);
  error(
    kp,
    `unknown service "${service}"${near ? ` (did you mean "${near}"?)` : ""}${
      ids.length ? ` (known: ${ids.join(", ")})` : " (no services are defined)"
    }`,
  );
}
