/** Shared test helpers: where things are, how to run the built CLI, whether Docker answers. */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/core/paths.js";

export { PROJECT_ROOT };
export const CONFORMANCE = path.resolve(PROJECT_ROOT, "../shared/conformance/clnrm");
export const HAS_CONFORMANCE = fs.existsSync(CONFORMANCE);
export const CLI = path.join(PROJECT_ROOT, "dist/src/cli/main.js");
export const conformanceSkip = HAS_CONFORMANCE
  ? false
  : `conformance fixtures not found at ${CONFORMANCE}`;

export function dockerAvailable(): boolean {
  const r = spawnSync("/usr/bin/docker", ["version", "--format", "{{.Server.Version}}"], {
    encoding: "utf8",
    timeout: 5000,
  });
  return r.status === 0;
}
export const dockerSkip = dockerAvailable()
  ? false
  : "no Docker engine answers (run `npm run setup`)";

export function tmpDir(prefix = "clnrm-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A cleanroom.toml mapping alpine:latest to the local busybox image. */
export function aliasConfig(dir = tmpDir()): string {
  const file = path.join(dir, "cleanroom.toml");
  fs.writeFileSync(
    file,
    '[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n"busybox:latest" = "clnrm/busybox:local"\n"node:20" = "clnrm/node:20"\n',
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

/** Containers and networks labelled clnrm.managed=true, as docker lists them. */
export function managedResources(runId?: string): { containers: string[]; networks: string[] } {
  const filter = [
    "--filter",
    "label=clnrm.managed=true",
    ...(runId ? ["--filter", `label=clnrm.run-id=${runId}`] : []),
  ];
  const ids = (args: string[]): string[] =>
    spawnSync("/usr/bin/docker", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  return {
    containers: ids(["ps", "-aq", ...filter]),
    networks: ids(["network", "ls", "-q", ...filter]),
  };
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
} {
  const dir = tmpDir();
  const config = aliasConfig(dir);
  return {
    dir,
    config,
    run: async (name, toml, extra = []) => {
      const file = writeTest(dir, name, toml);
      const json = path.join(dir, `${name}.json`);
      const r = await runCli(
        ["-c", config, "run", "--no-cache", ...extra, "--report-json", json, file],
        { cwd: dir },
      );
      const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : undefined;
      return { ...r, report, test: report?.tests[0] };
    },
  };
}

/**
 * The instrumented Node app of test/fixtures/otel-app.mjs as a service, with a `db` peer service.
 */
export function appServices(env = ""): string {
  return `[service.app]
image = "clnrm/node:20"
${env ? `env = { ${env} }\n` : ""}volumes = [
  { host_path = "${path.join(PROJECT_ROOT, "node_modules")}", container_path = "/app/node_modules", read_only = true },
  { host_path = "${path.join(PROJECT_ROOT, "test/fixtures")}", container_path = "/app/fixtures", read_only = true },
]
[service.db]
image = "alpine:latest"
args = ["sleep", "60"]
`;
}
