/** The one internal model of a test file, for both the flat v0.7 and the legacy format. */

export type SpanKindName = "internal" | "server" | "client" | "producer" | "consumer";
export type StatusName = "UNSET" | "OK" | "ERROR";

export interface CountBound {
  readonly eq?: number;
  readonly gte?: number;
  readonly lte?: number;
}

export interface SpanExpectation {
  readonly name: string;
  readonly parent?: string;
  readonly kind?: SpanKindName;
  readonly attrsAll?: Readonly<Record<string, string>>;
  readonly attrsAny?: Readonly<Record<string, string>>;
  readonly eventsAny?: readonly string[];
  readonly eventsAll?: readonly string[];
  readonly durationMs?: { readonly min?: number; readonly max?: number };
  /** Position in the file, 0-based, for rule ids and locations. */
  readonly index: number;
  readonly line?: number;
}

export interface Expectations {
  readonly spans: readonly SpanExpectation[];
  readonly graph?: {
    readonly mustInclude: readonly (readonly [string, string])[];
    readonly mustNotCross: readonly (readonly [string, string])[];
    readonly acyclic?: boolean;
  };
  readonly counts?: {
    readonly spansTotal?: CountBound;
    readonly eventsTotal?: CountBound;
    readonly errorsTotal?: CountBound;
    readonly byName: Readonly<Record<string, CountBound>>;
    readonly byKind: Readonly<Record<string, CountBound>>;
  };
  readonly windows: readonly { readonly outer: string; readonly contains: readonly string[] }[];
  readonly order?: {
    readonly mustPrecede: readonly (readonly [string, string])[];
    readonly mustFollow: readonly (readonly [string, string])[];
  };
  readonly status?: {
    readonly all?: StatusName;
    readonly byName: Readonly<Record<string, StatusName>>;
  };
  readonly hermeticity?: {
    readonly noExternalServices?: boolean;
    readonly resourceMustMatch: Readonly<Record<string, string>>;
    readonly forbidKeys: readonly string[];
  };
}

export interface Volume {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

export interface HealthCheck {
  readonly cmd?: readonly string[];
  readonly log?: { readonly regex: string; readonly times: number };
  readonly tcpPort?: number;
  readonly http?: { readonly port: number; readonly path: string; readonly status: number };
  readonly docker?: boolean;
  readonly intervalMs: number;
  /** The readiness deadline when set in the file; else `[containers] startup_timeout` applies. */
  readonly timeoutMs?: number;
  readonly retries: number;
}

export interface Limits {
  readonly cpuMillicores?: number;
  readonly memoryMb?: number;
  /** Test-level only: the most spans the test's store keeps (default 100 000). */
  readonly maxSpans?: number;
}

export interface ServiceConfig {
  readonly id: string;
  readonly plugin: string;
  readonly image: string;
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly volumes: readonly Volume[];
  readonly workdir?: string;
  readonly dependsOn: readonly string[];
  readonly healthCheck?: HealthCheck;
  readonly waitForSpan?: string;
  readonly waitForSpanTimeoutMs: number;
  readonly limits?: Limits;
  /** SIGTERM grace before SIGKILL when the test ends; else `[containers] stop_timeout`. */
  readonly stopTimeoutMs?: number;
  /** An exit before the stop is not a finding (`allow_exit = true`). */
  readonly allowExit: boolean;
}

export interface StepConfig {
  readonly name: string;
  readonly command: readonly string[];
  readonly service?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly expectedExitCode: number;
  readonly expectedOutputRegex?: string;
  readonly expectedOutputRegexNot?: string;
  readonly expectedOutputContains?: string;
  readonly timeoutMs?: number;
  readonly continueOnFailure: boolean;
  readonly index: number;
}

export interface ScenarioConfig {
  readonly name: string;
  readonly service?: string;
  /** `run` as written (an argv array joined with spaces, for display). */
  readonly run?: string;
  /** `run` split like a shell splits words, or the argv array as written (no shell either way). */
  readonly argv?: readonly string[];
  readonly steps: readonly StepConfig[];
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly expectedExitCode: number;
  readonly expectedOutputRegex?: string;
  readonly artifacts: readonly string[];
  /** Stdout is a declared span source: `artifacts.collect = ["spans:…"]` or `[otel] exporter =
   * "stdout"`. */
  readonly stdoutSpans: boolean;
  readonly index: number;
}

export interface OtelConfig {
  readonly exporter?: string;
  readonly endpoint?: string;
  readonly protocol?: string;
  readonly sampleRatio?: number;
  readonly resources: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly propagators: readonly string[];
}

export interface ConfigIssue {
  readonly severity: "error" | "warning";
  readonly keyPath: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface TestConfig {
  readonly file: string;
  readonly format: "v0.7" | "legacy";
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly otel?: OtelConfig;
  readonly services: readonly ServiceConfig[];
  readonly scenarios: readonly ScenarioConfig[];
  readonly steps: readonly StepConfig[];
  /** Legacy `[[steps]]` print spans on stdout only with `[otel] exporter = "stdout"`. */
  readonly stepsStdoutSpans: boolean;
  readonly expect: Expectations;
  /** True when any [expect.*] block is declared. */
  readonly hasExpectations: boolean;
  readonly limits?: Limits;
  readonly determinism?: { readonly seed?: number; readonly freezeClock?: string };
  readonly report: {
    readonly json?: string;
    readonly junit?: string;
    readonly digest?: string;
    readonly html?: string;
  };
  /** Hermetic when [expect.hermeticity] no_external_services = true. */
  readonly hermetic: boolean;
  readonly warnings: readonly ConfigIssue[];
  /** The TOML text the model was parsed from (rendered when the file is a template). */
  readonly source: string;
  readonly timeoutMs?: number;
}
