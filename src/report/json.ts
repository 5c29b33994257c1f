/** The JSON report: a versioned, documented schema (see README "JSON report"). */
import type { RunResult } from "../core/result.js";

export const JSON_REPORT_VERSION = "clnrm.report/v1";

export function jsonReport(run: RunResult): Record<string, unknown> {
  return {
    schema: JSON_REPORT_VERSION,
    run_id: run.runId,
    started_at: run.startedAt,
    duration_ms: run.durationMs,
    interrupted: run.interrupted,
    ...(run.shard ? { shard: shardJson(run.shard) } : {}),
    verdict: run.tests.every((t) => t.verdict === "passed") ? "pass" : "fail",
    counts: {
      tests: run.tests.length,
      passed: run.tests.filter((t) => t.verdict === "passed").length,
      failed: run.tests.filter((t) => t.verdict === "failed").length,
    },
    tests: run.tests.map((t) => ({
      file: t.file,
      name: t.name,
      verdict: t.verdict === "passed" ? "pass" : "fail",
      duration_ms: t.durationMs,
      spec_hash: t.specHash,
      digest: t.telemetry?.digest ?? null,
      seed: t.seed ?? null,
      freeze_clock: t.freezeClock ?? null,
      first_failure: t.firstFailure
        ? {
            rule: t.firstFailure.rule,
            message: t.firstFailure.message,
            spans: t.firstFailure.spanIds ?? [],
          }
        : null,
      findings: t.findings,
      error: t.error ?? null,
      counts: { spans: t.telemetry?.spans ?? 0, events: t.telemetry?.events ?? 0 },
      telemetry: t.telemetry ?? null,
      evidence: t.evidence
        ? {
            level: t.evidence.level,
            rules: t.evidence.rules,
            spans: t.evidence.spans,
            by_source: t.evidence.bySource,
          }
        : null,
      // the declared rules, so a saved report renders the same per-rule JUnit testcases
      declared_rules: (t.rules ?? []).map((r) =>
        r.keyPath ? { id: r.id, key_path: r.keyPath } : { id: r.id },
      ),
      scenarios: t.scenarios.map((s) => ({
        name: s.name,
        status: s.status,
        duration_ms: s.durationMs,
        steps: s.steps.map((st) => ({
          name: st.name,
          kind: st.kind,
          service: st.service ?? null,
          container_id: st.containerId ?? null,
          argv: st.argv,
          exit_code: st.exitCode ?? null,
          status: st.status,
          duration_ms: st.durationMs,
          timed_out: st.timedOut,
          stdout: st.stdout,
          stderr: st.stderr,
          failure: st.failure ?? null,
        })),
      })),
      warnings: t.warnings,
      image_aliases: t.imageAliases,
    })),
  };
}

function shardJson(s: NonNullable<RunResult["shard"]>): Record<string, unknown> {
  return {
    index: s.index,
    total: s.total,
    plan: s.plan,
    discovered: s.discovered,
    balanced_by: s.balancedBy,
    files: s.files,
  };
}
