// Marks the built CLI executable (tsc does not keep file modes).
import fs from "node:fs";
fs.chmodSync(new URL("../dist/src/cli/main.js", import.meta.url), 0o755);
