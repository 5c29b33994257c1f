/**
 * Project configuration `cleanroom.toml`: every field has a default, a partial file is
 * fine, `CLEANROOM_*` environment variables override, and `[images.aliases]` maps image
 * references to local images (offline and mirror use).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CleanroomError } from "../core/errors.js";
import { parseToml } from "./toml.js";
import { checkShape, type Shape } from "./schema.js";
import { parseDurationMs } from "./build.js";
import { num, str, tbl } from "./raw.js";
import { locateKeyPath } from "./locate.js";
import type { ConfigIssue } from "./types.js";

export type PullPolicy = "if-not-present" | "never" | "always";
/** Where the OTLP receiver runs (engine/receiver-mode.ts); `[otel] receiver`. */
export type ReceiverMode = "host" | "sidecar" | "auto";
export const RECEIVER_MODES: readonly ReceiverMode[] = ["host", "sidecar", "auto"];

export interface ProjectConfig {
  readonly file?: string;
  readonly root: string;
  readonly defaultImage: string;
  readonly pullPolicy: PullPolicy;
  readonly startupTimeoutMs: number;
  readonly stepTimeoutMs: number;
  readonly testTimeoutMs: number;
  /** SIGTERM grace before SIGKILL when a test's containers stop (`[containers] stop_timeout`). */
  readonly stopTimeoutMs: number;
  /** Bound on one image pull (`[containers] pull_timeout`). */
  readonly pullTimeoutMs: number;
  readonly jobs: number;
  readonly failFast: boolean;
  readonly reportDir: string;
  readonly cacheDir: string;
  readonly imageAliases: Readonly<Record<string, string>>;
  /** `[otel] receiver` (CLEANROOM_OTEL_RECEIVER); `--receiver` overrides it. Default auto. */
  readonly receiver: ReceiverMode;
  /** `[otel] receiver_image`: any image with node ≥ 18 on its PATH, for the sidecar. */
  readonly receiverImage: string;
  readonly warnings: readonly ConfigIssue[];
}

const s: Shape = { t: "string" };
const dur: Shape = { t: "string" };
export const PROJECT_SCHEMA: Shape = {
  t: "table",
  fields: {
    project: { t: "table", fields: { name: s, version: s, description: s } },
    cli: {
      t: "table",
      fields: {
        jobs: { t: "int", min: 1, max: 256 },
        fail_fast: { t: "bool" },
        parallel: { t: "bool" },
        output_format: s,
        watch: { t: "bool" },
        interactive: { t: "bool" },
      },
    },
    containers: {
      t: "table",
      fields: {
        default_image: { t: "string", nonEmpty: true },
        pull_policy: { t: "string", oneOf: ["if-not-present", "never", "always"] },
        startup_timeout: dur,
        stop_timeout: dur,
        pull_timeout: dur,
        reuse_enabled: { t: "bool" },
        cleanup_policy: s,
        max_containers: { t: "int", min: 1 },
      },
    },
    images: { t: "table", fields: { aliases: { t: "map", of: { t: "string", nonEmpty: true } } } },
    test_execution: {
      t: "table",
      fields: {
        default_timeout: dur,
        step_timeout: dur,
        retry_on_failure: { t: "bool" },
        retry_count: { t: "int" },
        test_dir: s,
      },
    },
    reporting: {
      t: "table",
      fields: {
        report_dir: s,
        generate_html: { t: "bool" },
        generate_junit: { t: "bool" },
        include_timestamps: { t: "bool" },
        include_logs: { t: "bool" },
      },
    },
    cache: { t: "table", fields: { dir: s } },
    otel: {
      t: "table",
      strict: true, // clnrm's own table: a misspelt key is an error, not ignored
      fields: {
        receiver: { t: "string", oneOf: [...RECEIVER_MODES] },
        receiver_image: { t: "string", nonEmpty: true },
      },
    },
    services: { t: "any" },
    observability: { t: "any" },
    plugins: { t: "any" },
    performance: { t: "any" },
    security: { t: "any" },
  },
};

export interface LoadProjectOptions {
  /** `--config FILE`; when absent, `cleanroom.toml` in `cwd` is used if it exists. */
  readonly configFile?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function loadProjectConfig(options: LoadProjectOptions = {}): ProjectConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let file: string | undefined;
  if (options.configFile) {
    file = path.resolve(cwd, options.configFile);
    if (!fs.existsSync(file))
      throw new CleanroomError(
        "Configuration",
        `config file ${options.configFile} does not exist`,
        { context: { file } },
      );
  } else if (fs.existsSync(path.join(cwd, "cleanroom.toml")))
    file = path.join(cwd, "cleanroom.toml");

  let raw: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  if (file) {
    const text = fs.readFileSync(file, "utf8");
    raw = parseToml(text, file);
    checkShape(raw, PROJECT_SCHEMA, "", issues);
    const errors = issues.filter((i) => i.severity === "error");
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new CleanroomError("Configuration", `${first.keyPath}: ${first.message}`, {
        context: { file, line: locateKeyPath(text, first.keyPath), keyPath: first.keyPath },
      });
    }
  }
  const root = file ? path.dirname(file) : cwd;
  const containers = tbl(raw.containers);
  const cli = tbl(raw.cli);
  const exec = tbl(raw.test_execution);
  const durationOr = (v: unknown, dflt: number): number =>
    typeof v === "string" ? (parseDurationMs(v) ?? dflt) : dflt;
  const aliases: Record<string, string> = {};
  for (const [k, v] of Object.entries(tbl(tbl(raw.images).aliases))) aliases[k] = String(v);
  const envNum = (k: string): number | undefined =>
    env[k] !== undefined && env[k] !== "" ? Number(env[k]) : undefined;
  const envBool = (k: string): boolean | undefined =>
    env[k] === undefined ? undefined : /^(1|true|yes)$/i.test(env[k]!);
  const pull = (env.CLEANROOM_CONTAINERS_PULL_POLICY ??
    str(containers.pull_policy) ??
    "if-not-present") as PullPolicy;
  if (!["if-not-present", "never", "always"].includes(pull))
    throw new CleanroomError(
      "Configuration",
      `CLEANROOM_CONTAINERS_PULL_POLICY="${pull}" is not one of if-not-present, never, always`,
    );
  const receiver = (env.CLEANROOM_OTEL_RECEIVER ??
    str(tbl(raw.otel).receiver) ??
    "auto") as ReceiverMode;
  if (!RECEIVER_MODES.includes(receiver))
    throw new CleanroomError(
      "Configuration",
      `CLEANROOM_OTEL_RECEIVER="${receiver}" is not one of ${RECEIVER_MODES.join(", ")}`,
    );
  const jobs = envNum("CLEANROOM_CLI_JOBS") ?? num(cli.jobs) ?? Math.max(1, os.cpus().length);
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new CleanroomError(
      "Configuration",
      `CLEANROOM_CLI_JOBS must be a whole number ≥ 1, got ${env.CLEANROOM_CLI_JOBS}`,
    );
  const fileReportDir = str(tbl(raw.reporting).report_dir);
  if (env.CLEANROOM_REPORTING_REPORT_DIR === undefined && fileReportDir !== undefined) {
    const rel = path.relative(root, path.resolve(root, fileReportDir));
    if (rel.startsWith("..") || path.isAbsolute(rel))
      throw new CleanroomError(
        "Configuration",
        `[reporting] report_dir "${fileReportDir}" is outside the project directory ${root}`,
        {
          context: { file, keyPath: "reporting.report_dir" },
          hint:
            "a configuration file keeps reports inside the project; set " +
            "CLEANROOM_REPORTING_REPORT_DIR for another place",
        },
      );
  }
  return {
    file,
    root,
    defaultImage:
      env.CLEANROOM_CONTAINERS_DEFAULT_IMAGE ?? str(containers.default_image) ?? "alpine:latest",
    pullPolicy: pull,
    startupTimeoutMs: durationOr(containers.startup_timeout, 60_000),
    stepTimeoutMs: durationOr(exec.step_timeout, 60_000),
    testTimeoutMs: durationOr(exec.default_timeout, 300_000),
    stopTimeoutMs: durationOr(containers.stop_timeout, 10_000),
    pullTimeoutMs: durationOr(containers.pull_timeout, 300_000),
    jobs,
    failFast: envBool("CLEANROOM_CLI_FAIL_FAST") ?? cli.fail_fast === true,
    reportDir: path.resolve(
      root,
      env.CLEANROOM_REPORTING_REPORT_DIR ?? str(tbl(raw.reporting).report_dir) ?? "reports",
    ),
    cacheDir: path.resolve(
      root,
      env.CLEANROOM_CACHE_DIR ?? str(tbl(raw.cache).dir) ?? ".clnrm/cache",
    ),
    imageAliases: aliases,
    receiver,
    receiverImage: str(tbl(raw.otel).receiver_image) ?? "clnrm/node:20",
    warnings: issues.filter((i) => i.severity === "warning"),
  };
}

/** Applies `[images.aliases]`; returns the image to use and whether an alias applied. */
export function resolveImage(
  project: Pick<ProjectConfig, "imageAliases">,
  image: string,
): { image: string; aliasedFrom?: string } {
  const direct = project.imageAliases[image];
  if (direct) return { image: direct, aliasedFrom: image };
  if (!/:[^/]+$/.test(image) && !image.includes("@")) {
    const tagged = project.imageAliases[`${image}:latest`];
    if (tagged) return { image: tagged, aliasedFrom: image };
  }
  return { image };
}
