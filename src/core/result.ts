/** Read-only result model shared by the engine, the validators and every reporter. */

export type Verdict = "passed" | "failed";

/**
 * One unmet expectation or failed assertion. `rule` is stable (e.g.
 * `expect.span[clnrm.run].existence`).
 */
export interface Finding {
  readonly rule: string;
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
  /** Ids of the spans involved (evidence for reports). */
  readonly spanIds?: readonly string[];
  readonly spanNames?: readonly string[];
  readonly keyPath?: string;
  readonly line?: number;
}

export interface StepResult {
  readonly name: string;
  readonly kind: "step" | "scenario";
  readonly service?: string;
  readonly containerId?: string;
  readonly image?: string;
  readonly argv: readonly string[];
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes of output past the kept cap (not in stdout/stderr; stdout lines were still read). */
  readonly stdoutDropped?: number;
  readonly stderrDropped?: number;
  readonly durationMs: number;
  readonly status: "passed" | "failed" | "skipped";
  readonly timedOut: boolean;
  readonly failure?: Finding;
}

export interface ScenarioResult {
  readonly name: string;
  readonly status: "passed" | "failed" | "skipped" | "cached";
  readonly durationMs: number;
  readonly steps: readonly StepResult[];
}

export interface ContainerLog {
  readonly name: string;
  readonly containerId: string;
  readonly image: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes of output past the kept cap. */
  readonly stdoutDropped?: number;
  readonly stderrDropped?: number;
}

export interface ErrorInfo {
  readonly kind: string;
  readonly message: string;
  readonly location?: string;
  readonly hint?: string;
}

export interface TelemetrySummary {
  readonly spans: number;
  readonly events: number;
  readonly digest?: string;
  /** How collection ended: all expectations satisfied, quiet period, or timeout. */
  readonly completion?: "satisfied" | "quiet" | "timeout" | "none";
  readonly waitedMs?: number;
  readonly sources: Readonly<Record<string, number>>;
}

/**
 * What proved a verdict: `telemetry` = `rules` expectation rules evaluated over `spans` spans
 * (counted by source: otlp-http, otlp-grpc, stdout, file, cache); `exit-codes` = the test
 * declares no `[expect…]` block, so only exit codes and output assertions were checked.
 */
export interface Evidence {
  readonly level: "telemetry" | "exit-codes";
  readonly rules: number;
  readonly spans: number;
  readonly bySource: Readonly<Record<string, number>>;
}

/** One declared expectation rule (reports give each its own JUnit testcase). */
export interface DeclaredRule {
  /** The prefix of every finding's rule id this rule can produce (e.g. `expect.span[checkout]`). */
  readonly id: string;
  /** For `[[expect.span]]`: its key path, which tells apart two entries with the same name. */
  readonly keyPath?: string;
}

/** Whether a finding was produced by this rule (`expect.span[x].kind` by `expect.span[x]`). */
export function findingOfRule(f: Finding, r: DeclaredRule): boolean {
  if (r.keyPath && f.keyPath) return f.keyPath === r.keyPath;
  return f.rule === r.id || f.rule.startsWith(`${r.id}.`);
}

export interface TestResult {
  readonly file: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly durationMs: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly findings: readonly Finding[];
  readonly firstFailure?: Finding;
  readonly error?: ErrorInfo;
  readonly telemetry?: TelemetrySummary;
  readonly evidence?: Evidence;
  /** The expectation rules that were declared (and evaluated unless set-up failed). */
  readonly rules?: readonly DeclaredRule[];
  readonly specHash: string;
  readonly seed?: number;
  readonly freezeClock?: string;
  readonly containers: readonly ContainerLog[];
  readonly cached?: boolean;
  /** Never started (fail-fast stopped the run, or it was interrupted). */
  readonly notRun?: boolean;
  readonly warnings: readonly string[];
  readonly imageAliases: readonly string[];
}

/** Which part of a split run this is (`clnrm run --shard i/n`; see src/runner/shard.ts). */
export interface ShardInfo {
  readonly index: number;
  readonly total: number;
  /** Hash of the whole split: equal on every shard of one run. */
  readonly plan: string;
  /** Test files discovered before splitting (all shards). */
  readonly discovered: number;
  readonly balancedBy: "durations" | "count";
  readonly estimatedMs?: number;
  /** This shard's test files relative to the project root, in run order (one per test). */
  readonly files: readonly string[];
}

export interface RunResult {
  readonly runId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly tests: readonly TestResult[];
  readonly interrupted: boolean;
  readonly shard?: ShardInfo;
}
