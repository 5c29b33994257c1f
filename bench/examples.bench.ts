/**
 * Wall time of the orders-service example (real PostgreSQL, instrumented Node service, client
 * scenario), split by stage from clnrm's own spans, recorded in-process:
 *   setup            clnrm.test start → first service start (image lookup, network, receiver)
 *   services healthy first service start → last service ready (db log line, orders /healthz)
 *   scenarios        the client scenario's container, start to exit
 *   stop and flush   scenario end → test end, less the verdict: logs, container and network
 *                    removal, and the wait for the trace to be complete (telemetry.waitedMs)
 *   verdict          checkExpectations over the collected spans (timed on its own, same spans)
 * Median of 3 runs after one warm-up. Needs `npm run setup` (images, example dependencies).
 */
import path from "node:path";
import Docker from "dockerode";
import type { TraceAttributes, TraceSpan } from "../src/core/tracing.js";
import { PROJECT_ROOT } from "../src/core/paths.js";
import { loadTestFile } from "../src/config/load.js";
import { loadProjectConfig } from "../src/config/project.js";
import { DockerBackend } from "../src/engine/docker/docker-backend.js";
import { checkExpectations, runTestConfig } from "../src/runner/run-test.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, median } from "./stats.js";

interface Rec {
  readonly name: string;
  readonly start: number;
  end?: number;
}

/** A TraceSpan that records when each span starts and ends (nothing is exported). */
function recorder(out: Rec[], name = "root"): TraceSpan {
  const rec: Rec = { name, start: performance.now() };
  out.push(rec);
  return {
    child: (n: string, _a?: TraceAttributes) => recorder(out, n),
    setAttributes: () => undefined,
    addEvent: () => undefined,
    end: () => {
      rec.end = performance.now();
    },
    traceparent: () => "00-00000000000000000000000000000001-0000000000000001-01",
  };
}

const STAGES = ["setup", "services healthy", "scenarios", "stop and flush", "verdict"] as const;

export async function benchExamples(): Promise<string[]> {
  const file = path.join(PROJECT_ROOT, "examples/orders-service/orders.clnrm.toml");
  const renderer = new TemplateRenderer();
  const { config } = await loadTestFile(file, { env: {}, renderer });
  const backend = new DockerBackend(new Docker());
  const project = loadProjectConfig({ cwd: "/nonexistent-dir-for-defaults" });
  const once = async (): Promise<Record<(typeof STAGES)[number] | "total", number>> => {
    const recs: Rec[] = [];
    const t0 = performance.now();
    const run = await runTestConfig(config, {
      backend,
      project,
      runId: `bench-ex-${Date.now()}`,
      renderer,
      runSpan: recorder(recs),
    });
    const total = performance.now() - t0;
    if (run.result.verdict !== "passed")
      throw new Error(JSON.stringify(run.result.error ?? run.result.findings[0]));
    const v0 = performance.now();
    checkExpectations(config, run.spans);
    const verdict = performance.now() - v0;
    const test = recs.find((r) => r.name === "clnrm.test")!;
    const services = recs.filter((r) => r.name === "clnrm.service.start");
    const steps = recs.filter((r) => r.name.startsWith("clnrm.step:"));
    const svcStart = Math.min(...services.map((s) => s.start));
    const svcEnd = Math.max(...services.map((s) => s.end!));
    const stepEnd = Math.max(...steps.map((s) => s.end!));
    return {
      setup: svcStart - test.start,
      "services healthy": svcEnd - svcStart,
      scenarios: stepEnd - Math.min(...steps.map((s) => s.start)),
      "stop and flush": test.end! - stepEnd - verdict,
      verdict,
      total,
    };
  };
  await once(); // warm-up: page cache, node_modules, PostgreSQL's first start
  const runs = [await once(), await once(), await once()];
  const m = (k: (typeof STAGES)[number] | "total"): number => median(runs.map((r) => r[k]));
  const split = STAGES.map((s) => `${s} ${fmt(m(s))}`).join(" · ");
  return [
    "| orders-service example (PostgreSQL + instrumented service + client), one test, " +
      `median of 3 | ${fmt(m("total"))} ms | ≤ 60 s |`,
    `| … by stage (ms) | ${split} | |`,
  ];
}
