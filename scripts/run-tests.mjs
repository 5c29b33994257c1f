// Runs every compiled test file with node's test runner (Node 20 has no --test glob support).
// Files run one at a time, in the order given (Docker tests share one engine). Docker is probed
// once here, with a generous deadline, and the answer handed to every file (CLNRM_TEST_DOCKER).
// The reporter is node's spec reporter plus a count of every skip before node's summary; with
// CI=true a missing Docker engine, browser or ../shared fails the tests that need it, and any
// skip fails the run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
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
// Order: every other folder first, then test/podman/ (the same engine tests against Podman's
// API), then test/chaos/ (faults on purpose), so a fault never lands on an unrelated test.
const LAST = ["podman", "chaos"];
const rank = (f) => LAST.indexOf(path.relative(root, f).split(path.sep)[0]) + 1;
const files = find(root).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const { probeDocker, IN_CI } = await import(path.join(root, "helpers/probe.js"));
const docker = process.env.CLNRM_TEST_DOCKER ?? (await probeDocker());
if (docker !== "ok")
  process.stderr.write(
    `${IN_CI ? "CI=true: Docker tests will FAIL" : "Docker tests will be skipped"}: ${docker}\n`,
  );
const skipFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-skips-")), "n");
const reporter = new URL("./test-reporter.mjs", import.meta.url).pathname;
const r = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", `--test-reporter=${reporter}`, ...files],
  {
    stdio: "inherit",
    env: { ...process.env, CLNRM_TEST_DOCKER: docker, CLNRM_TEST_SKIP_FILE: skipFile },
  },
);
const skipped = fs.existsSync(skipFile) ? Number(fs.readFileSync(skipFile, "utf8")) : 0;
fs.rmSync(path.dirname(skipFile), { recursive: true, force: true });
process.exit(r.status === 0 && IN_CI && skipped > 0 ? 1 : (r.status ?? 1));
