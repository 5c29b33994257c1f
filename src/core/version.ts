/** clnrm's version: package.json's `version`, read once (the one place it is written down). */
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./paths.js";

export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
    version: string;
  }
).version;
