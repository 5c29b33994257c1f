/**
 * Runs every benchmark and rewrites bench/RESULTS.md.
 * Usage: npm run bench [-- authoring telemetry engine reports loop verdict cli examples receiver]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../src/core/paths.js";
import { benchAuthoring } from "./authoring.bench.js";
import { benchTelemetry } from "./telemetry.bench.js";
import { benchEngine, dockerVersions } from "./engine.bench.js";
import { benchReports } from "./reports.bench.js";
import { benchLoop } from "./loop.bench.js";
import { benchVerdict } from "./verdict.bench.js";
import { benchCliProcess, cliSection } from "./cli-process.bench.js";
import { benchExamples } from "./examples.bench.js";
import { benchReceiver } from "./receiver.bench.js";

const want = new Set(process.argv.slice(2));
const on = (k: string): boolean => want.size === 0 || want.has(k);
const rows: string[] = [];
if (on("authoring")) rows.push(await benchAuthoring());
if (on("telemetry")) rows.push(...(await benchTelemetry()));
if (on("reports")) rows.push(...(await benchReports()));
if (on("engine")) rows.push(...(await benchEngine()));
if (on("loop")) rows.push(...(await benchLoop()));
if (on("verdict")) rows.push(...(await benchVerdict()));
if (on("examples")) rows.push(...(await benchExamples()));
if (on("receiver")) rows.push(...(await benchReceiver()));
const cli = on("cli") ? cliSection(await benchCliProcess()) : undefined;
const docker = await dockerVersions().catch(() => ({ engine: "?", cli: "?" }));
const today = new Date().toISOString().slice(0, 10);
const machine =
  `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ` +
  `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
  `Docker engine ${docker.engine}, docker CLI ${docker.cli} (both measured)`;
const text = `# Benchmark results

Produced by \`npm run bench\` (\`node dist/bench/run-all.js\`) on ${today}:
${machine},
load average ${os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(" / ")} at the end (1/5/15 min; the machine may be shared).
Baselines do the same work as the measured code and run in the same process, interleaved with it.

| measurement | result | target |
|---|---|---|
${rows.join("\n")}
`;
const file = path.join(PROJECT_ROOT, "bench/RESULTS.md");
const CLI_HEADING = "## Whole process";
if (want.size === 0) {
  process.stdout.write(`${text}\n${cli}`);
  fs.writeFileSync(file, `${text}\n${cli}`);
} else if (cli && want.size === 1) {
  // `npm run bench -- cli` replaces (or adds) only the whole-process section.
  const old = fs.readFileSync(file, "utf8");
  const at = old.indexOf(CLI_HEADING);
  process.stdout.write(cli);
  fs.writeFileSync(file, `${at < 0 ? `${old}\n` : old.slice(0, at)}${cli}`);
} else process.stdout.write(`${text}${cli ? `\n${cli}` : ""}`);
