// Chaos and hostile-input suite (issue 12): every attack and fault clnrm is meant to survive,
// run for real, with what was observed. `npm run chaos` prints the table and exits 1 when a case
// did not hold; `npm run reliability` (or --write-doc) also rewrites docs/reliability.md. The
// cases live in chaos-cases.mjs; `npm test` runs the same cases (test/chaos/, after every other
// test file).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cases, cleanup } from "./chaos-cases.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DOCKER = "/usr/bin/docker";
const writeDoc = process.argv.includes("--write-doc");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
const rows = [];

for (const c of cases) {
  if (only && !c.name.includes(only)) continue;
  const load = os.loadavg()[0].toFixed(2);
  const t0 = Date.now();
  let row;
  try {
    row = await c.run();
  } catch (e) {
    row = { held: false, observed: `script error: ${e.message}` };
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  rows.push({ name: c.name, command: c.command, load, secs, ...row });
  process.stdout.write(`${row.held ? "HELD" : "BROKE"}  ${c.name}: ${row.observed}\n`);
}

cleanup();
let table = [
  "| attack / fault | command | observed | load (1 min) | secs | held |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | \`${r.command.replace(/\|/g, "\\|")}\` | ` +
      `${r.observed.replace(/\|/g, "\\|")} | ${r.load} | ${r.secs} | ` +
      `${r.held ? "yes" : "**no**"} |`,
  ),
].join("\n");
process.stdout.write(`\n${table}\n`);
if (writeDoc) {
  const { fuzzAll } = await import(path.join(ROOT, "dist/test/fuzz/targets.js"));
  const fuzz = await fuzzAll(10_000);
  table +=
    `\n\n## Fuzzing (\`npm run fuzz\`, fast-check, 10 000 random cases per ` +
    `target)\n\n${fuzz.lines.map((l) => `- ${l}`).join("\n")}\n`;
  const doc = path.join(ROOT, "docs/reliability.md");
  const head = fs.readFileSync(doc, "utf8").split("<!-- table -->")[0];
  const dockerVersion = spawnSync(DOCKER, ["version", "--format", "{{.Server.Version}}"], {
    encoding: "utf8",
  }).stdout.trim();
  fs.writeFileSync(
    doc,
    `${head}<!-- table -->\nGenerated ${new Date().toISOString()} on ${os.cpus().length} ` +
      `cores (shared), Docker ${dockerVersion}.\n\n${table}\n`,
  );
}
process.exitCode = rows.every((r) => r.held) ? 0 : 1;
