// Runs every compiled test file with node's test runner (Node 20 has no --test glob support).
// Unit tests run in parallel; Docker tests (test/integration) run one file at a time.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = new URL("../dist/test/", import.meta.url).pathname;
const find = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
          e.isDirectory()
            ? find(path.join(dir, e.name))
            : e.name.endsWith(".test.js")
              ? [path.join(dir, e.name)]
              : [],
        )
    : [];
const files = find(root).sort();
const r = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
