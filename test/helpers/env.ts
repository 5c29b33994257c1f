/** Shared test helpers: where things are, how to run the built CLI, whether Docker answers. */
import { spawn, spawnSync } from "node:child_process";
import { before, describe, it } from "node:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/core/paths.js";
import { IN_CI, probeDocker } from "./probe.js";

export { IN_CI };

export { PROJECT_ROOT };
export const CONFORMANCE = path.resolve(PROJECT_ROOT, "../shared/conformance/clnrm");
export const HAS_CONFORMANCE = fs.existsSync(CONFORMANCE);
export const CLI = path.join(PROJECT_ROOT, "dist/src/cli/main.js");
export const BROWSER = "/usr/bin/chromium";

// One probe per `npm test` (scripts/run-tests.mjs sets CLNRM_TEST_DOCKER); a file run on its
// own probes here.
const dockerState = process.env.CLNRM_TEST_DOCKER ?? (await probeDocker());

export type Need = "docker" | "browser" | "shared";

/** Why a dependency is missing, or undefined when it is there. */
function missing(need: Need): string | undefined {
  if (need === "docker") return dockerState === "ok" ? undefined : dockerState;
  if (need === "browser")
    return fs.existsSync(BROWSER)
      ? undefined
      : `chromium is not installed at ${BROWSER} (npm run setup installs it)`;
  return HAS_CONFORMANCE ? undefined : `conformance fixtures not found at ${CONFORMANCE}`;
}

function reasons(needs: readonly Need[]): string | undefined {
  const r = needs.map(missing).filter((x): x is string => x !== undefined);
  return r.length ? r.join("; ") : undefined;
}

/**
 * A describe() whose tests need Docker, a browser or ../shared. Outside CI a missing dependency
 * skips the suite (and the run's summary counts it); with CI=true it fails every test in it,
 * naming what is missing, so a CI run cannot go green without running them.
 */
export function suite(name: string, needs: readonly Need[], fn: () => void): void {
  const why = reasons(needs);
  if (!why) describe(name, fn);
  else if (!IN_CI) describe(name, { skip: why }, fn);
  else
    describe(name, () => {
      before(() => {
        throw new Error(`CI=true, so this is a failure, not a skip: ${why}`);
      });
      fn();
    });
}

/** One it() that needs a dependency, with the same policy as suite(). */
export function itNeeding(
  needs: readonly Need[],
  name: string,
  fn: () => Promise<void> | void,
): void {
  const why = reasons(needs);
  if (!why) it(name, fn);
  else if (!IN_CI) it(name, { skip: why }, fn);
  else
    it(name, () => {
      throw new Error(`CI=true, so this is a failure, not a skip: ${why}`);
    });
}

/** Skip reasons for `{ skip }` options (kept for other callers; with CI=true any skip fails). */
export const conformanceSkip: string | false = missing("shared") ?? false;
export const dockerSkip: string | false = missing("docker") ?? false;

const made: string[] = [];

/** A fresh temp folder, removed when the test process exits (node --test: one per file). */
export function tmpDir(prefix = "clnrm-test-"): string {
  if (made.length === 0)
    process.once("exit", () => {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A cleanroom.toml mapping alpine:latest to the local busybox image. */
export function aliasConfig(dir = tmpDir()): string {
  const file = path.join(dir, "cleanroom.toml");
  fs.writeFileSync(
    file,
    '[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n' +
      '"busybox:latest" = "clnrm/busybox:local"\n"node:20" = "clnrm/node:20"\n',
  );
  return file;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function writeTest(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/**
 * Containers and networks of one run (labels clnrm.managed=true and clnrm.run-id), as docker
 * lists them. There is no engine-wide variant on purpose: the engine is shared, and a test must
 * not fail because another run (another file, another engineer) has containers up.
 */
export function managedResources(runId: string): { containers: string[]; networks: string[] } {
  if (!runId) throw new Error("managedResources: a run id is required");
  const filter = [
    "--filter",
    "label=clnrm.managed=true",
    "--filter",
    `label=clnrm.run-id=${runId}`,
  ];
  const ids = (args: string[]): string[] =>
    spawnSync("/usr/bin/docker", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  return {
    containers: ids(["ps", "-aq", ...filter]),
    networks: ids(["network", "ls", "-q", ...filter]),
  };
}

/** Containers and networks of one clnrm process (label clnrm.pid), whatever else runs there. */
export function resourcesOfPid(pid: number): { containers: string[]; networks: string[] } {
  const filter = ["--filter", "label=clnrm.managed=true", "--filter", `label=clnrm.pid=${pid}`];
  const ids = (args: string[]): string[] =>
    spawnSync("/usr/bin/docker", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  return {
    containers: ids(["ps", "-aq", ...filter]),
    networks: ids(["network", "ls", "-q", ...filter]),
  };
}

/** The clnrm.run-id label of a container. */
export function runIdOf(containerId: string): string {
  return spawnSync(
    "/usr/bin/docker",
    ["inspect", "-f", '{{ index .Config.Labels "clnrm.run-id" }}', containerId],
    { encoding: "utf8" },
  ).stdout.trim();
}

/**
 * A folder with an alias config, and a helper that writes a test there, runs it with a JSON report
 * and parses it.
 */
export function testBench(): {
  readonly dir: string;
  readonly config: string;
  run(
    name: string,
    toml: string,
    extra?: readonly string[],
  ): Promise<CliResult & { report?: any; test?: any }>;
  /** What this bench's runs left on the engine (by their run ids; other runs do not count). */
  leftovers(): { containers: string[]; networks: string[] };
} {
  const dir = tmpDir();
  const config = aliasConfig(dir);
  const runIds: string[] = [];
  return {
    dir,
    config,
    leftovers: () => {
      const all = runIds.map((id) => managedResources(id));
      return {
        containers: all.flatMap((x) => x.containers),
        networks: all.flatMap((x) => x.networks),
      };
    },
    run: async (name, toml, extra = []) => {
      const file = writeTest(dir, name, toml);
      const json = path.join(dir, `${name}.json`);
      const r = await runCli(
        ["-c", config, "run", "--no-cache", ...extra, "--report-json", json, file],
        { cwd: dir },
      );
      const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : undefined;
      if (report?.run_id) runIds.push(report.run_id);
      return { ...r, report, test: report?.tests[0] };
    },
  };
}

/**
 * The instrumented Node app of test/fixtures/otel-app.mjs as a service, with a `db` peer service.
 */
export function appServices(env = ""): string {
  const readOnly = (host: string, container: string): string =>
    `{ host_path = "${path.join(PROJECT_ROOT, host)}", ` +
    `container_path = "${container}", read_only = true }`;
  return `[service.app]
image = "clnrm/node:20"
${env ? `env = { ${env} }\n` : ""}volumes = [
  ${readOnly("node_modules", "/app/node_modules")},
  ${readOnly("test/fixtures", "/app/fixtures")},
]
[service.db]
image = "alpine:latest"
args = ["sleep", "60"]
`;
}
