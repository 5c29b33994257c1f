/** Report generation for 1,000 results (JSON + JUnit + console). */
import type { RunResult, TestResult } from "../src/core/result.js";
import { jsonReport } from "../src/report/json.js";
import { junitReport } from "../src/report/junit.js";
import { formatTestDetail } from "../src/report/console.js";
import { fmt, median, timeIt } from "./stats.js";

function syntheticRun(n: number): RunResult {
  const tests: TestResult[] = Array.from({ length: n }, (_, i) => ({
    file: `/tests/t${i}.clnrm.toml`,
    name: `test_${i}`,
    verdict: i % 10 === 0 ? "failed" : "passed",
    durationMs: 1000 + i,
    scenarios: [
      {
        name: "s",
        status: "passed",
        durationMs: 900,
        steps: [
          {
            name: "s",
            kind: "scenario",
            argv: ["echo", "x"],
            exitCode: 0,
            stdout: "x\n".repeat(20),
            stderr: "",
            durationMs: 900,
            status: "passed",
            timedOut: false,
          },
        ],
      },
    ],
    findings:
      i % 10 === 0
        ? [
            {
              rule: "expect.span[clnrm.run].existence",
              message: "no span",
              expected: "a span",
              actual: "none",
            },
          ]
        : [],
    firstFailure:
      i % 10 === 0 ? { rule: "expect.span[clnrm.run].existence", message: "no span" } : undefined,
    telemetry: {
      spans: 23,
      events: 5,
      digest: "ab".repeat(32),
      completion: "satisfied",
      waitedMs: 3,
      sources: { "otlp-http": 23 },
    },
    specHash: "cd".repeat(32),
    containers: [],
    warnings: [],
    imageAliases: [],
  }));
  return {
    runId: "bench",
    startedAt: new Date().toISOString(),
    durationMs: 1,
    tests,
    interrupted: false,
  };
}

export async function benchReports(): Promise<string[]> {
  const run = syntheticRun(1000);
  const all = (): void => {
    JSON.stringify(jsonReport(run));
    junitReport(run);
    run.tests.map((t) => formatTestDetail(t)).join("\n");
  };
  for (let i = 0; i < 3; i++) all();
  const times: number[] = [];
  for (let i = 0; i < 10; i++) times.push(await timeIt(all));
  return [
    `| JSON + JUnit + console reports for 1,000 results (median of 10) | ` +
      `${fmt(median(times))} ms | ≤ 200 ms |`,
  ];
}
