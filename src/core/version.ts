/** clnrm's version: read once from the installed package.json, the one place it is written. */
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./paths.js";

function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
    version?: unknown;
  };
  if (typeof pkg.version !== "string") throw new Error("package.json has no version");
  return pkg.version;
}

export const CLNRM_VERSION: string = readVersion();
