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
import { buildService, type ErrorFn } from "./build-service.js";

export { parseDurationMs };
import type {
  ConfigIssue,
  ScenarioConfig,
  ServiceConfig,
  StepConfig,
  TestConfig,
} from "./types.js";

type Raw = Record<string, unknown>;

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
