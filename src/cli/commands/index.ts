/**
 * Every command's name, usage and one-line summary, with the module that implements it. `main`
 * shows these in `--help` and imports a module only when one of its commands runs, so
 * `--version` and `--help` load no command code (test/unit/cli-lazy.test.ts keeps this table
 * equal to what the modules register).
 */
import type { Command } from "commander";
import type { GlobalOptions } from "../shared.js";

export type Register = (
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
) => void;

export interface CommandSummary {
  readonly name: string;
  readonly alias?: string;
  /** As commander's help lists it: name, alias, `[options]`, arguments. */
  readonly term: string;
  readonly summary: string;
}

export interface CommandGroup {
  readonly load: () => Promise<Register>;
  readonly commands: readonly CommandSummary[];
}

const c = (term: string, summary: string): CommandSummary => {
  const [names] = term.split(" ");
  const [name, alias] = names!.split("|");
  return { name: name!, alias, term, summary };
};

/** Shared with report.ts, which registers the command (the table must say exactly the same). */
export const REPORT_SUMMARY =
  "render a JSON report (run --report-json) as HTML, JUnit XML or Markdown (report -i FILE); " +
  "merge shard reports (report merge)";

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    load: async () => (await import("./authoring.js")).registerAuthoring,
    commands: [
      c(
        "validate [options] <paths...>",
        "render, parse and check test files (files and directories)",
      ),
      c("render [options] <template>", "render a template to TOML"),
      c(
        "dry-run [options] <paths...>",
        "everything short of Docker: the rendered config, the execution plan, " +
          "images after aliasing",
      ),
      c("lint [options] <paths...>", "unknown keys, legacy format, contradictory expectations"),
    ],
  },
  {
    load: async () => (await import("./run.js")).registerRun,
    commands: [
      c(
        "run [options] [paths...]",
        "run tests in fresh container environments and validate their spans",
      ),
      c(
        "self-test [options]",
        "run clnrm's own scenarios in a container and validate its own spans (needs Docker)",
      ),
    ],
  },
  {
    load: async () => (await import("./trace.js")).registerTrace,
    commands: [
      c(
        "analyze <trace-file> <test-file>",
        "validate a recorded trace against a test's expectations (offline)",
      ),
      c("spans [options] <trace-file>", "list the spans of a trace file"),
      c(
        "diff [options] <a> <b>",
        "structural diff of two traces: added, removed and changed spans and attributes",
      ),
      c("graph [options] <trace-file>", "print a trace's span tree"),
    ],
  },
  {
    load: async () => (await import("./maintenance.js")).registerMaintenance,
    commands: [c("sweep [options]", "remove containers and networks left by clnrm runs that died")],
  },
  {
    load: async () => (await import("./scaffold.js")).registerScaffold,
    commands: [
      c(
        "init [options]",
        "write an example v0.7 test and a cleanroom.toml (runs offline with the local images)",
      ),
      c(
        "template [options] <kind>",
        "print a starter template: matrix, otel, macros, full-validation, deterministic, example",
      ),
      c(
        "fmt [options] [paths...]",
        "format test files (comments kept, section order kept, [vars] keys sorted)",
      ),
    ],
  },
  {
    load: async () => (await import("./inspect.js")).registerInspect,
    commands: [
      c("plugins [options]", "the service plugins this build runs, with the keys a service takes"),
      c("health", "engine reachable, local images present, receiver port bindable, disk space"),
    ],
  },
  {
    load: async () => (await import("./services.js")).registerServices,
    commands: [c("services", "containers of running or leftover clnrm runs: status, logs")],
  },
  {
    load: async () => (await import("./pull.js")).registerPull,
    commands: [
      c(
        "pull [options] [paths...]",
        "make the images of the given tests present (after aliasing), -j at a time",
      ),
      c(
        "collector <action>",
        "an OpenTelemetry Collector container (only if its image is present locally)",
      ),
    ],
  },
  {
    load: async () => (await import("./dev.js")).registerDev,
    commands: [
      c(
        "dev [options] [paths...]",
        "watch test files; on save re-render, re-validate and re-run only what changed",
      ),
    ],
  },
  {
    load: async () => (await import("./baseline.js")).registerBaseline,
    commands: [
      c(
        "record [paths...]",
        "run tests and record their normalized traces and digests as baselines (.clnrm/baselines)",
      ),
      c(
        "repro [paths...]",
        "re-run tests and compare their trace digests with the recorded baselines",
      ),
      c(
        "redgreen|red-green [options] [paths...]",
        "TDD check: with --expect red every test must fail; with --expect green every test must " +
          "pass after having been red",
      ),
    ],
  },
  {
    load: async () => (await import("./report.js")).registerReport,
    commands: [c("report [options]", REPORT_SUMMARY)],
  },
];

/** The group of the first argument that names a command (a guess: a wrong one costs a re-parse). */
export function groupFor(args: readonly string[]): CommandGroup | undefined {
  for (const a of args)
    for (const g of COMMAND_GROUPS)
      if (g.commands.some((x) => x.name === a || x.alias === a)) return g;
  return undefined;
}
