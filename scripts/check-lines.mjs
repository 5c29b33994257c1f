// No line over 100 characters and no file over 400 lines in src/, test/, bench/ and scripts/
// (the formatter cannot wrap strings and comments; issue 11 sets both budgets). Files biome.json
// leaves out ("!path" in files.includes) are left out here too, until they are formatted.
// Exit 1 with file:line for each line over budget and file: N lines for each file.
import fs from "node:fs";
import path from "node:path";

const MAX = 100;
const MAX_LINES = 400;
const root = new URL("..", import.meta.url).pathname;
const biome = JSON.parse(fs.readFileSync(path.join(root, "biome.json"), "utf8"));
const excluded = new Set(
  biome.files.includes.filter((p) => p.startsWith("!")).map((p) => path.join(root, p.slice(1))),
);
const walk = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? walk(path.join(dir, e.name))
        : /\.(ts|mjs|js)$/.test(e.name)
          ? [path.join(dir, e.name)]
          : [],
    );
const long = [];
for (const dir of ["src", "test", "bench", "scripts"])
  for (const file of walk(path.join(root, dir))) {
    if (excluded.has(file)) continue;
    const rel = path.relative(root, file);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    // a final newline leaves one empty string after the last line
    const count = lines.at(-1) === "" ? lines.length - 1 : lines.length;
    if (count > MAX_LINES) long.push(`${rel}: ${count} lines (at most ${MAX_LINES})`);
    const here = lines.flatMap((line, i) =>
      [...line].length > MAX ? [`${rel}:${i + 1}: ${[...line].length} characters`] : [],
    );
    long.push(...here);
  }
if (long.length) {
  process.stderr.write(
    `over budget (${MAX} characters a line, ${MAX_LINES} lines a file):\n${long.join("\n")}\n`,
  );
  process.exit(1);
}
