/** validate, render, dry-run, lint: everything short of Docker. */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { CleanroomError, EXIT } from "../../core/errors.js";
import { discoverTestFiles } from "../../config/discover.js";
import { checkTestSource, loadTestFile, readSource, testVariants } from "../../config/load.js";
import { loadProjectConfig, resolveImage } from "../../config/project.js";
import type { TestConfig } from "../../config/types.js";
import { TemplateRenderer } from "../../template/render.js";
import { collectMap, reportError, type GlobalOptions } from "../shared.js";
import { lintConfig, lintIssues, type LintMessage } from "./lint-rules.js";
import { choiceOption } from "../options.js";

export function registerAuthoring(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("validate")
    .description("render, parse and check test files (files and directories)")
    .argument("<paths...>")
    .option("-m, --map <key=value>", "template variable (repeatable)", collectMap, {})
    .action(async (paths: string[], opts: { map: Record<string, string> }) => {
      let code = EXIT.ok as number;
      const found = await eachTest(paths, opts.map, (f, loaded) => {
        if ("error" in loaded) {
          process.stdout.write(`❌ ${rel(f)}: invalid\n`);
          code = Math.max(code, reportError(loaded.error, globals().verbose));
          return;
        }
        const { config } = loaded;
        const matrixName = /\[[^\]=]+=.*\]$/.test(config.name) ? ` ${config.name}` : "";
        const counts = `${config.scenarios.length} scenario(s), ${config.steps.length} step(s)`;
        process.stdout.write(`✅ ${rel(f)}${matrixName}: valid (${config.format}, ${counts})\n`);
        for (const w of config.warnings)
          process.stdout.write(
            `   warning: ${w.keyPath}: ${w.message}${w.line ? ` (line ${w.line})` : ""}\n`,
          );
      });
      exit(found === true ? code : reportError(found, globals().verbose));
    });

  program
    .command("render")
    .description("render a template to TOML")
    .argument("<template>")
    .option("-m, --map <key=value>", "template variable (repeatable)", collectMap, {})
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--show-vars", "print the resolved variables instead of the output")
    .action(
      async (
        file: string,
        opts: { map: Record<string, string>; output?: string; showVars?: boolean },
      ) => {
        try {
          const r = await new TemplateRenderer().render(readSource(file), { file, map: opts.map });
          const text = opts.showVars ? `${JSON.stringify(r.context.vars, null, 2)}\n` : r.text;
          if (opts.output) fs.writeFileSync(opts.output, text);
          else process.stdout.write(text);
          exit(EXIT.ok);
        } catch (e) {
          exit(reportError(e, globals().verbose));
        }
      },
    );

  program
    .command("dry-run")
    .description(
      "everything short of Docker: the rendered config, the execution plan, images after aliasing",
    )
    .argument("<paths...>")
    .option("-m, --map <key=value>", "template variable (repeatable)", collectMap, {})
    .action(async (paths: string[], opts: { map: Record<string, string> }) => {
      let code = EXIT.ok as number;
      try {
        const project = loadProjectConfig({ configFile: globals().config });
        const renderer = new TemplateRenderer();
        for (const f of discoverTestFiles(paths)) {
          for (const matrix of testVariants(f))
            try {
              const loaded = await loadTestFile(f, { map: opts.map, renderer, matrix });
              process.stdout.write(
                planText(
                  loaded.config,
                  (img) => resolveImage(project, img).image,
                  project.defaultImage,
                ),
              );
              if ((globals().verbose ?? 0) > 0)
                process.stdout.write(`--- rendered ${rel(f)} ---\n${loaded.rendered}\n`);
            } catch (e) {
              code = Math.max(code, reportError(e, globals().verbose));
            }
        }
      } catch (e) {
        code = reportError(e, globals().verbose);
      }
      exit(code);
    });

  program
    .command("lint")
    .description("unknown keys, legacy format, contradictory expectations")
    .argument("<paths...>")
    .addOption(
      choiceOption("-f, --format <format>", "output format", ["human", "json", "github"], "human"),
    )
    .option("--deny-warnings", "exit 1 when there are warnings")
    .action(async (paths: string[], opts: { format: string; denyWarnings?: boolean }) => {
      const all: { file: string; messages: LintMessage[] }[] = [];
      let files: string[];
      try {
        files = discoverTestFiles(paths);
      } catch (e) {
        return exit(reportError(e, globals().verbose));
      }
      const renderer = new TemplateRenderer();
      for (const f of files) {
        try {
          // The same schema `run` applies: every error and warning, not just the first error.
          const checked = await checkTestSource(readSource(f), f, { renderer });
          const messages = checked.config
            ? lintConfig(checked.config, checked.rendered)
            : lintIssues(checked.issues);
          all.push({ file: f, messages });
        } catch (e) {
          const err = e instanceof CleanroomError ? e : new CleanroomError("Internal", String(e));
          const message = err.message.split("\n")[0]!;
          const { line, column } = err.context;
          all.push({
            file: f,
            messages: [{ severity: "error", rule: err.kind.toLowerCase(), message, line, column }],
          });
        }
      }
      const errors = all.reduce(
        (n, x) => n + x.messages.filter((m) => m.severity === "error").length,
        0,
      );
      const warnings = all.reduce(
        (n, x) => n + x.messages.filter((m) => m.severity === "warning").length,
        0,
      );
      if (opts.format === "json")
        process.stdout.write(
          `${JSON.stringify(
            all.map((x) => ({ file: rel(x.file), messages: x.messages })),
            null,
            2,
          )}\n`,
        );
      else
        for (const x of all)
          for (const m of x.messages) {
            const line = m.line ? `,line=${m.line}` : "";
            const col = m.column ? `,col=${m.column}` : "";
            const at = `${m.line ? `:${m.line}` : ""}${m.line && m.column ? `:${m.column}` : ""}`;
            process.stdout.write(
              opts.format === "github"
                ? `::${m.severity} file=${rel(x.file)}${line}${col}::${m.rule}: ${m.message}\n`
                : `${rel(x.file)}${at}: ${m.severity}: ${m.message} [${m.rule}]\n`,
            );
          }
      if (opts.format !== "json")
        process.stdout.write(
          `${errors} error(s), ${warnings} warning(s) in ${all.length} file(s)\n`,
        );
      exit(
        errors > 0
          ? EXIT.testFailed
          : warnings > 0 && opts.denyWarnings
            ? EXIT.testFailed
            : EXIT.ok,
      );
    });
}

/**
 * Discovers the test files under `paths` and loads each, calling `visit` with the loaded test or
 * its error. Returns true, or the discovery error (nothing was visited).
 */
async function eachTest(
  paths: readonly string[],
  map: Readonly<Record<string, string>>,
  visit: (file: string, loaded: { config: TestConfig } | { error: unknown }) => void,
): Promise<true | unknown> {
  let files: string[];
  try {
    files = discoverTestFiles(paths);
  } catch (e) {
    return e;
  }
  const renderer = new TemplateRenderer();
  for (const f of files) {
    for (const matrix of testVariants(f))
      try {
        visit(f, { config: (await loadTestFile(f, { map, renderer, matrix })).config });
      } catch (e) {
        visit(f, { error: e });
      }
  }
  return true;
}

export function rel(f: string): string {
  const r = path.relative(process.cwd(), f);
  return r.startsWith("..") ? f : r;
}

function planText(c: TestConfig, image: (ref: string) => string, defaultImage: string): string {
  const lines = [
    `${rel(c.file)}: ${c.name} (${c.format})`,
    `  network: ${c.hermetic ? "internal (hermetic)" : "bridge"}`,
  ];
  for (const s of c.services) {
    const alias = image(s.image) !== s.image ? ` → ${image(s.image)}` : "";
    const args = s.args ? ` args ${JSON.stringify(s.args)}` : "";
    const after = s.dependsOn.length ? ` after ${s.dependsOn.join(", ")}` : "";
    lines.push(`  service ${s.id}: image ${s.image}${alias}${args}${after}`);
  }
  for (const st of c.steps) {
    const where = st.service ?? `default (${image(defaultImage)})`;
    lines.push(`  step ${st.name}: exec ${JSON.stringify(st.command)} in ${where}`);
  }
  for (const sc of c.scenarios) {
    const where = sc.service ?? `default (${image(defaultImage)})`;
    const timeout = sc.timeoutMs ? `, timeout ${sc.timeoutMs}ms` : "";
    const steps = sc.steps.length ? `, then ${sc.steps.length} step(s)` : "";
    lines.push(
      `  scenario ${sc.name}: fresh container of ${where} ` +
        `running ${JSON.stringify(sc.argv ?? "service args")}${timeout}${steps}`,
    );
  }
  if (c.hasExpectations) {
    const e = c.expect;
    const blocks = [
      e.graph ? ", graph" : "",
      e.counts ? ", counts" : "",
      e.windows.length ? ", window" : "",
      e.order ? ", order" : "",
      e.status ? ", status" : "",
      e.hermeticity ? ", hermeticity" : "",
    ].join("");
    lines.push(`  expectations: ${e.spans.length} span rule(s)${blocks}`);
  }
  return `${lines.join("\n")}\n`;
}
