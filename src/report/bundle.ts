/**
 * Failure bundle: for each failed test, a folder with everything needed to understand the
 * failure without re-running it: the rendered TOML, every container's logs (also of
 * containers that failed to start), the received spans as OTLP/JSON, the findings and the
 * readiness diagnostics. Contents are already redacted by the runner.
 */
import fs from "node:fs";
import { writeTextAtomic } from "../core/redact.js";
import path from "node:path";
import type { TestResult } from "../core/result.js";
import { jsonReport } from "./json.js";

export interface BundleInput {
  readonly result: TestResult;
  readonly rendered?: string;
  /** OTLP/JSON document of the spans received. */
  readonly spansOtlp: Record<string, unknown>;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 80) || "test";

export function writeFailureBundle(dir: string, runId: string, b: BundleInput): string {
  const out = path.join(dir, runId, slug(b.result.name));
  fs.mkdirSync(path.join(out, "logs"), { recursive: true });
  const t = b.result;
  writeTextAtomic(
    path.join(out, "rendered.clnrm.toml"),
    b.rendered ?? "(the file did not render or parse; see error.txt)\n",
  );
  const findings = {
    first_failure: t.firstFailure ?? null,
    findings: t.findings,
    error: t.error ?? null,
  };
  writeTextAtomic(path.join(out, "findings.json"), `${JSON.stringify(findings, null, 2)}\n`);
  writeTextAtomic(path.join(out, "spans.otlp.json"), `${JSON.stringify(b.spansOtlp, null, 2)}\n`);
  const report = jsonReport({
    runId,
    startedAt: "",
    durationMs: t.durationMs,
    tests: [t],
    interrupted: false,
  });
  writeTextAtomic(path.join(out, "result.json"), `${JSON.stringify(report.tests, null, 2)}\n`);
  if (t.error) {
    const where = t.error.location ? ` in ${t.error.location}` : "";
    const hint = t.error.hint ? `hint: ${t.error.hint}\n` : "";
    writeTextAtomic(
      path.join(out, "error.txt"),
      `${t.error.kind}${where}: ${t.error.message}\n${hint}`,
    );
  }
  const used = new Set<string>();
  for (const c of t.containers) {
    let name = slug(c.name);
    for (let i = 2; used.has(name); i++) name = `${slug(c.name)}-${i}`;
    used.add(name);
    writeTextAtomic(
      path.join(out, "logs", `${name}.log`),
      `# container ${c.name} ${c.containerId.slice(0, 12)} (${c.image})\n` +
        `# --- stdout ---\n${c.stdout}\n# --- stderr ---\n${c.stderr}\n`,
    );
  }
  const readiness =
    t.error && /not ready|exited with code/.test(t.error.message)
      ? t.error.message
      : "all services became ready (or none declared checks)";
  writeTextAtomic(path.join(out, "readiness.txt"), `${readiness}\n`);
  return out;
}
