// Runs clnrm's authoring pipeline over a folder of test files (e.g. a checkout of the upstream
// clnrm repository) and classifies every file: loads, fails with a located error, fails
// unlocated, or crashes; `fmt` must keep the data of every plain TOML file.
// Usage: npm run corpus -- DIR [--json]   (exit 1 on any crash, unlocated failure or fmt loss)
// Last measured over 257 upstream files (README, "Measured over the upstream corpus"): 79 load,
// 178 fail located, 0 unlocated, 0 crash, fmt 0 data loss.
import fs from "node:fs";
import path from "node:path";

const dist = new URL("../dist/src/", import.meta.url).pathname;
const { loadTestFile, testVariants } = await import(path.join(dist, "config/load.js"));
const { CleanroomError } = await import(path.join(dist, "core/errors.js"));
const { formatTomlChecked, dataDifference } = await import(
  path.join(dist, "cli/commands/format-toml.js")
);
const { parseToml } = await import(path.join(dist, "config/toml.js"));
const { TemplateRenderer } = await import(path.join(dist, "template/render.js"));

const [dir, ...flags] = process.argv.slice(2);
if (!dir) {
  console.error("usage: npm run corpus -- DIR [--json]");
  process.exit(2);
}
const isTestFile = (f) =>
  /\.clnrm\.toml(\.tera)?$/.test(f) ||
  (/\.toml(\.tera)?$/.test(f) &&
    /(^|\/)(tests|validation_tests|examples)\//.test(f) &&
    !/Cargo\.toml$|cleanroom\.toml$|\/\.cargo\//.test(f));
const walk = (d) =>
  fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "target" ? [] : walk(p);
    return isTestFile(path.relative(dir, p)) ? [p] : [];
  });
const files = walk(dir).sort();
const renderer = new TemplateRenderer();
const rows = [];
for (const f of files) {
  const row = { file: path.relative(dir, f), outcome: "loads", reason: "" };
  try {
    for (const matrix of testVariants(f)) await loadTestFile(f, { renderer, matrix });
  } catch (e) {
    if (!(e instanceof CleanroomError) || e.kind === "Internal") {
      row.outcome = "crash";
      row.reason = String(e?.message ?? e);
    } else {
      row.outcome = e.context.file && e.context.line ? "fails-located" : "fails-unlocated";
      const where = e.context.line ? ` (${e.location()})` : "";
      row.reason = `${e.kind}: ${e.message.split("\n")[0]}${where}`;
    }
  }
  try {
    const src = fs.readFileSync(f, "utf8");
    const out = await formatTomlChecked(src, f);
    if (out && dataDifference(parseToml(src, f), out.text) !== undefined) row.fmt = "loses-data";
    else row.fmt = out ? (out.note ? "conservative" : "ok") : "template";
  } catch (e) {
    row.fmt = e instanceof CleanroomError && e.kind !== "Internal" ? "invalid-toml" : "crash";
  }
  rows.push(row);
}
const count = (k, v) => rows.filter((r) => r[k] === v).length;
// Failures grouped by cause: the message without the file's own names, values and location.
const causeOf = (reason) =>
  reason
    .replace(/ \((?:[^()]|\([^()]*\))*:\d+:\d+\)$/, "")
    .replace(/ \(known keys here:[^)]*\)/, "")
    .replace(/ \(rendered line \d+: `[^`]*`\)/, "")
    .replace(/ \(looked in [^)]*\)/, "")
    .replace(/^(Configuration: )(services?)\.[\w-]+/, "$1$2.<id>")
    .replace(/\[\d+\]/g, "[]")
    .replace(/`[^`]*`/g, "`…`")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\n[\s\S]*$/, "");
const causes = {};
for (const r of rows.filter((r) => r.outcome !== "loads"))
  causes[causeOf(r.reason)] = (causes[causeOf(r.reason)] ?? 0) + 1;
const summary = {
  files: rows.length,
  loads: count("outcome", "loads"),
  failsLocated: count("outcome", "fails-located"),
  failsUnlocated: count("outcome", "fails-unlocated"),
  crashes: count("outcome", "crash"),
  fmtLosesData: count("fmt", "loses-data"),
  fmtCrashes: count("fmt", "crash"),
  fmtConservative: count("fmt", "conservative"),
};
const byCause = Object.entries(causes).sort((a, b) => b[1] - a[1]);
if (flags.includes("--json"))
  console.log(JSON.stringify({ summary, causes: Object.fromEntries(byCause), rows }, null, 2));
else {
  for (const r of rows)
    console.log(
      `${r.outcome.padEnd(16)} fmt=${r.fmt.padEnd(12)} ${r.file}` +
        (r.reason ? `\n    ${r.reason}` : ""),
    );
  console.log(`\nfailures by cause (${dir}):`);
  for (const [cause, n] of byCause) console.log(`${String(n).padStart(5)}  ${cause}`);
  console.log(JSON.stringify(summary));
}
process.exit(
  summary.crashes + summary.failsUnlocated + summary.fmtLosesData + summary.fmtCrashes ? 1 : 0,
);
