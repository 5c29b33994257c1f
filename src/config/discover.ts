/** Test discovery: `*.clnrm.toml` and `*.clnrm.toml.tera` under directories, sorted. */
import fs from "node:fs";
import path from "node:path";
import { CleanroomError } from "../core/errors.js";

export const TEST_FILE_RE = /\.clnrm\.toml(\.tera)?$/;

/** Files named explicitly are taken as they are (any `.toml` / `.tera`); directories are walked. */
export function discoverTestFiles(paths: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const p of paths.length ? paths : ["."]) {
    const full = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      throw new CleanroomError("Io", `path ${p} does not exist`, { context: { file: p } });
    }
    if (stat.isDirectory()) {
      const found = walk(full)
        .filter((f) => TEST_FILE_RE.test(f))
        .sort();
      if (found.length === 0)
        throw new CleanroomError(
          "Configuration",
          `no *.clnrm.toml or *.clnrm.toml.tera files under ${p}`,
          { context: { file: p } },
        );
      out.push(...found);
    } else if (/\.toml(\.tera)?$|\.tera$/.test(full)) out.push(full);
    else
      throw new CleanroomError(
        "Configuration",
        `${p} is not a test file (expected *.clnrm.toml, *.toml or *.toml.tera)`,
        { context: { file: p } },
      );
  }
  return [...new Set(out)];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
