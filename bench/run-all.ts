/**
 * Runs every benchmark and rewrites the generated blocks of bench/RESULTS.md (between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`); the analysis around them is
 * written by hand and kept.
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
import { replaceBlock } from "./results-file.js";

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
const text = `Produced by \`npm run bench\` (\`node dist/bench/run-all.js\`) on ${today}:
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

const write = (blocks: Record<string, string>): void => {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmark results\n";
  for (const [name, body] of Object.entries(blocks)) doc = replaceBlock(doc, name, body);
  fs.writeFileSync(file, doc);
};
if (want.size === 0) {
  process.stdout.write(`${text}\n${cli}`);
  write({ main: text, cli: cli ?? "" });
} else if (cli && want.size === 1) {
  // `npm run bench -- cli` replaces only the whole-process block.
  process.stdout.write(cli);
  write({ cli });
} else process.stdout.write(`${text}${cli ? `\n${cli}` : ""}`);
