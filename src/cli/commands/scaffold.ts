/** init, template <kind>, fmt: writing and tidying test files. */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { CleanroomError, EXIT } from "../../core/errors.js";
import { discoverTestFiles } from "../../config/discover.js";
import { reportError, type GlobalOptions } from "../shared.js";
import { EXAMPLE_CONFIG, EXAMPLE_TEST, TEMPLATES } from "./scaffold-texts.js";
import { PROJECT_ROOT } from "../../core/paths.js";
import { assertSameData, formatTomlChecked } from "./format-toml.js";
import { EXAMPLES, scaffoldExample } from "./init-example.js";

/**
 * `#:schema` (Taplo / Even Better TOML) pointing at the JSON Schema shipped in this package,
 * relative to the directory the file is written to.
 */
function withSchema(dir: string, name: string, text: string): string {
  const schema = path.join(PROJECT_ROOT, "dist/schemas", `${name}.schema.json`);
  const rel = path.relative(path.resolve(dir), schema).split(path.sep).join("/");
  return `#:schema ${rel.startsWith(".") ? rel : `./${rel}`}\n${text}`;
}

export function registerScaffold(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("init")
    .description(
      "write an example v0.7 test and a cleanroom.toml (runs offline with the local images)",
    )
    .option("--force", "overwrite existing files")
    .option("-d, --dir <dir>", "where to write (default: . ; with --example: the example's name)")
    .option("--example <name>", `copy a runnable example: ${Object.keys(EXAMPLES).join(", ")}`)
    .action((opts: { force?: boolean; dir?: string; example?: string }) => {
      try {
        if (opts.example !== undefined) {
          const ex = scaffoldExample(opts.example, opts.dir, opts.force === true);
          const rel = path.relative(process.cwd(), ex.dir) || ".";
          process.stdout.write(
            `wrote ${ex.files} files to ${rel} (npm dependencies: ${ex.dependencies})\n` +
              `needs: Docker and ${ex.needs}\nnext: clnrm run ${rel}\n`,
          );
          return exit(EXIT.ok);
        }
        opts.dir ??= ".";
        const files: [string, string][] = [
          [
            path.join(opts.dir, "cleanroom.toml"),
            withSchema(opts.dir, "cleanroom", EXAMPLE_CONFIG),
          ],
          [
            path.join(opts.dir, "tests/example.clnrm.toml"),
            withSchema(path.join(opts.dir, "tests"), "clnrm-test", EXAMPLE_TEST),
          ],
        ];
        for (const [f] of files)
          if (fs.existsSync(f) && !opts.force)
            throw new CleanroomError("Io", `${f} already exists`, {
              hint: "use --force to overwrite",
            });
        for (const [f, text] of files) {
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, text);
          process.stdout.write(`wrote ${f}\n`);
        }
        process.stdout.write("next: clnrm run tests/\n");
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  program
    .command("template")
    .description(`print a starter template: ${Object.keys(TEMPLATES).join(", ")}`)
    .argument("<kind>")
    .option("-o, --output <file>", "write to a file")
    .action((kind: string, opts: { output?: string }) => {
      const text = TEMPLATES[kind];
      if (!text)
        return exit(
          reportError(
            new CleanroomError("Configuration", `unknown template "${kind}"`, {
              hint: `one of: ${Object.keys(TEMPLATES).join(", ")}`,
            }),
          ),
        );
      if (opts.output) fs.writeFileSync(opts.output, text);
      else process.stdout.write(text);
      exit(EXIT.ok);
    });

  program
    .command("fmt")
    .description("format test files (comments kept, section order kept, [vars] keys sorted)")
    .argument("[paths...]")
    .option("--check", "only report files that need formatting; exit 1 if any")
    .action(async (paths: string[], opts: { check?: boolean }) => {
      try {
        let changed = 0;
        for (const f of discoverTestFiles(paths)) {
          const src = fs.readFileSync(f, "utf8");
          const formatted = await formatTomlChecked(src, f);
          if (formatted === undefined) {
            process.stdout.write(`skipped ${f} (template: format the rendered output instead)\n`);
            continue;
          }
          if (formatted.note) process.stderr.write(`note: ${f}: ${formatted.note}\n`);
          const out = formatted.text;
          if (out === src) continue;
          assertSameData(src, out, f); // never write a text whose data differs
          changed++;
          if (opts.check) process.stdout.write(`would reformat ${f}\n`);
          else {
            fs.writeFileSync(f, out);
            process.stdout.write(`formatted ${f}\n`);
          }
        }
        if (changed === 0) process.stdout.write("all files formatted\n");
        exit(opts.check && changed > 0 ? EXIT.testFailed : EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
