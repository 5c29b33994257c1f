/**
 * `clnrm init --example NAME`: copies one of clnrm's examples/ folders into a fresh directory,
 * ready to run (`clnrm run DIR`). The example's npm dependencies are copied from clnrm's own
 * install when `npm run setup` installed them there (offline), else installed with `npm ci`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CleanroomError } from "../../core/errors.js";
import { PROJECT_ROOT } from "../../core/paths.js";

/** Example name → its folder under examples/ and the default directory it is written to. */
export const EXAMPLES: Readonly<Record<string, { folder: string; needs: string }>> = {
  orders: {
    folder: "orders-service",
    needs: "images clnrm/node:20 and clnrm/postgres:15 (built by clnrm's `npm run setup`)",
  },
};

export interface ScaffoldedExample {
  readonly dir: string;
  readonly files: number;
  readonly dependencies: "copied" | "installed" | "none";
  readonly needs: string;
}

export function scaffoldExample(
  name: string,
  dir: string | undefined,
  force: boolean,
): ScaffoldedExample {
  const ex = EXAMPLES[name];
  if (!ex)
    throw new CleanroomError("Configuration", `unknown example "${name}"`, {
      hint: `one of: ${Object.keys(EXAMPLES).join(", ")}`,
    });
  const from = path.join(PROJECT_ROOT, "examples", ex.folder);
  if (!fs.existsSync(from))
    throw new CleanroomError("Io", `clnrm's example folder ${from} is missing from this install`);
  const to = path.resolve(dir ?? ex.folder);
  if (fs.existsSync(to) && fs.readdirSync(to).length > 0 && !force)
    throw new CleanroomError("Io", `${to} already exists and is not empty`, {
      hint: "choose another directory with -d, or use --force to write into it",
    });
  let files = 0;
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(from, src);
      const skip = rel.split(path.sep)[0] === "node_modules" || /(^|\/)reports?$/.test(rel);
      if (!skip && fs.statSync(src).isFile()) files++;
      return !skip;
    },
  });
  let dependencies: ScaffoldedExample["dependencies"] = "none";
  if (fs.existsSync(path.join(to, "package.json"))) {
    const installed = path.join(from, "node_modules");
    if (fs.existsSync(installed)) {
      fs.cpSync(installed, path.join(to, "node_modules"), { recursive: true });
      dependencies = "copied";
    } else {
      // argv array, no shell: the directory never reaches a shell.
      const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: to,
        stdio: "inherit",
      });
      if (r.status !== 0)
        throw new CleanroomError("Io", `npm ci failed in ${to} (exit ${r.status ?? r.signal})`, {
          hint: "run `npm ci` there by hand once the npm registry is reachable",
        });
      dependencies = "installed";
    }
  }
  return { dir: to, files, dependencies, needs: ex.needs };
}
