/** Writes a run's reports: `--report-*` files, each test's `[report]` files, failure bundles. */
import fs from "node:fs";
import path from "node:path";
import type { RunResult } from "../core/result.js";
import { spansToOtlpJson } from "../telemetry/otlp/encode-json.js";
import { redactedSpans, type TestRun } from "../runner/run-test.js";
import { jsonReport } from "../report/json.js";
import { junitReport } from "../report/junit.js";
import { htmlReport } from "../report/html.js";
import { writeFailureBundle } from "../report/bundle.js";

/** Where each report goes (the shape of both `--report-*` options and a test's [report] table). */
export interface ReportTargets {
  readonly json?: string;
  readonly junit?: string;
  readonly html?: string;
  readonly digest?: string;
}

export function writeReports(run: RunResult, runs: readonly TestRun[], to: ReportTargets): void {
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
  };
  if (to.json) write(to.json, `${JSON.stringify(jsonReport(run), null, 2)}\n`);
  if (to.junit) write(to.junit, junitReport(run));
  if (to.html) write(to.html, htmlReport(run, runs.map(redactedSpans)));
  if (to.digest)
    write(to.digest, run.tests.map((t) => `${t.telemetry?.digest ?? "-"}  ${t.name}\n`).join(""));
}

/** `[report] json/junit/html/digest` in a test file: that test's reports, under the report dir. */
export function writeFileReports(
  run: RunResult,
  runs: readonly TestRun[],
  reportDir: string,
): void {
  for (const r of runs) {
    const rep = r.config?.report;
    if (!rep || (!rep.json && !rep.junit && !rep.html && !rep.digest)) continue;
    const at = (f: string | undefined): string | undefined => f && path.resolve(reportDir, f);
    writeReports({ ...run, tests: [r.result] }, [r], {
      json: at(rep.json),
      junit: at(rep.junit),
      html: at(rep.html),
      digest: at(rep.digest),
    });
  }
}

/** A failure bundle per failed test that ran; returns the directories written. */
export function writeBundles(
  runs: readonly TestRun[],
  reportDir: string,
  runId: string,
  warn: (message: string) => void,
): string[] {
  const dirs: string[] = [];
  for (const r of runs) {
    if (r.result.verdict !== "failed" || r.result.error?.message.startsWith("not run")) continue;
    try {
      dirs.push(
        writeFailureBundle(path.join(reportDir, "failures"), runId, {
          result: r.result,
          rendered: r.config ? (r.redact?.text(r.config.source) ?? r.config.source) : undefined,
          spansOtlp: spansToOtlpJson(redactedSpans(r)),
        }),
      );
    } catch (e) {
      warn(`cannot write the failure bundle under ${reportDir}: ${(e as Error).message}`);
    }
  }
  return dirs;
}
