/**
 * The authoring pipeline for one file: read → render (when a template) → parse TOML → build and
 * check the model.
 */
import fs from "node:fs";
import { CleanroomError } from "../core/errors.js";
import { registerSecrets, secretsInText, secretValues } from "../core/redact.js";
import { TemplateRenderer, type RenderOptions } from "../template/render.js";
import { parseToml } from "./toml.js";
import { matrixCombinations, matrixLabel, type MatrixCombo } from "../template/matrix.js";
import { buildTestConfig } from "./build.js";
import { renderedLineMap } from "./line-map.js";
import type { ConfigIssue, TestConfig } from "./types.js";

export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly map?: Readonly<Record<string, string>>;
  readonly renderer?: TemplateRenderer;
  /** The [matrix] combination to render (default: the first, when the file has [matrix]). */
  readonly matrix?: MatrixCombo;
}

export interface LoadedTest {
  readonly config: TestConfig;
  readonly rendered: string;
  readonly isTemplate: boolean;
}

export function readSource(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CleanroomError(
      "Io",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { context: { file }, cause: e },
    );
  }
}

export async function loadTestFile(file: string, options: LoadOptions = {}): Promise<LoadedTest> {
  return loadTestSource(readSource(file), file, options);
}

export async function loadTestSource(
  source: string,
  file: string,
  options: LoadOptions = {},
): Promise<LoadedTest> {
  const checked = await checkTestSource(source, file, options);
  if (!checked.config) {
    // issue lines are the user's (see checkTestSource): show the user's text unless rendering
    // kept every line in place (then the rendered line, with its values, is the clearer one)
    const sameLines = checked.rendered.split("\n").length === source.split("\n").length;
    throw issueError(checked.issues, file, sameLines ? checked.rendered : source);
  }
  return { config: checked.config, rendered: checked.rendered, isTemplate: checked.isTemplate };
}

/** Every schema issue of a file (errors and warnings), for `lint`; render and TOML errors throw. */
export interface CheckedTest {
  readonly config?: TestConfig;
  readonly issues: readonly ConfigIssue[];
  readonly rendered: string;
  readonly isTemplate: boolean;
}

export async function checkTestSource(
  source: string,
  file: string,
  options: LoadOptions = {},
): Promise<CheckedTest> {
  // secrets are known before anything can fail and echo them (issue 12)
  registerSecrets(secretsInText(source));
  registerSecrets(secretValues(options.map ?? {}));
  const renderer = options.renderer ?? new TemplateRenderer();
  const matrix = options.matrix ?? matrixCombinations(source)[0];
  const renderOptions: RenderOptions = { file, env: options.env, map: options.map, matrix };
  const rendered = await renderer.render(source, renderOptions);
  if (rendered.isTemplate) registerSecrets(secretsInText(rendered.text));
  const toSource = rendered.isTemplate
    ? renderedLineMap(source, rendered.text)
    : (line: number) => ({ line, exact: true });
  let raw: ReturnType<typeof parseToml>;
  try {
    raw = parseToml(rendered.text, file);
  } catch (e) {
    throw e instanceof CleanroomError ? atSourceLine(e, source, rendered.text, toSource) : e;
  }
  const built = buildTestConfig(raw, file, rendered.text);
  const config = built.config;
  const issues = built.issues.map((i) => {
    if (i.line === undefined) return i;
    const at = toSource(i.line);
    return at.exact && at.line === i.line ? i : { ...i, line: at.line, column: undefined };
  });
  const named =
    config && matrix ? { ...config, name: `${config.name}${matrixLabel(matrix)}` } : config;
  return { config: named, issues, rendered: rendered.text, isTemplate: rendered.isTemplate };
}

/**
 * A TOML error in rendered text, reported at the user's line: the template tag that produced
 * the offending line when rendering changed it, with that rendered line quoted.
 */
function atSourceLine(
  e: CleanroomError,
  source: string,
  rendered: string,
  toSource: (line: number) => { line: number; exact: boolean },
): CleanroomError {
  const line = e.context.line;
  if (line === undefined) return e;
  const at = toSource(line);
  if (at.exact && at.line === line) return e;
  const renderedText = (rendered.split("\n")[line - 1] ?? "").trim();
  const column = at.exact ? e.context.column : 1;
  return new CleanroomError(e.kind, `${e.message} (rendered line ${line}: \`${renderedText}\`)`, {
    context: { ...e.context, line: at.line, column, codeFrame: codeFrame(source, at.line, column) },
    hint: e.hint,
    cause: e,
  });
}

/** The source line of an issue with a caret under its column (the form TOML errors use). */
export function codeFrame(text: string, line?: number, column?: number): string | undefined {
  const lineText = line ? text.split("\n")[line - 1] : undefined;
  if (lineText === undefined) return undefined;
  const gutter = `${line} | `;
  const caret = column ? `\n${" ".repeat(gutter.length - 2)}| ${" ".repeat(column - 1)}^` : "";
  return `${gutter}${lineText}${caret}`;
}

/** One load per [matrix] combination (one load when the file has no [matrix]). */
export function testVariants(file: string): (MatrixCombo | undefined)[] {
  let combos: MatrixCombo[] = [];
  try {
    combos = matrixCombinations(readSource(file));
  } catch {
    // unreadable: the load reports it
  }
  return combos.length ? combos : [undefined];
}

/** Where the value starts on a `key = value` line (1 when the line has no `=`). */
function valueColumn(text: string, line?: number): number | undefined {
  const lineText = line ? text.split("\n")[line - 1] : undefined;
  if (lineText === undefined) return undefined;
  const eq = lineText.indexOf("=");
  return eq < 0 ? 1 : eq + 2 + (/^\s*/.exec(lineText.slice(eq + 1))?.[0].length ?? 0);
}

/** The first schema error as a CleanroomError, with the other errors listed in the message. */
export function issueError(
  issues: readonly ConfigIssue[],
  file: string,
  text: string,
): CleanroomError {
  const errors = issues.filter((i) => i.severity === "error");
  const first = errors[0]!;
  const column = first.column ?? valueColumn(text, first.line);
  const more =
    errors.length > 1
      ? `\n${errors
          .slice(1)
          .map(
            (e) =>
              `  also: ${e.keyPath}: ${e.message}` +
              (e.line ? ` (line ${e.line}${e.column ? `:${e.column}` : ""})` : ""),
          )
          .join("\n")}`
      : "";
  return new CleanroomError("Configuration", `${first.keyPath}: ${first.message}${more}`, {
    context: {
      file,
      line: first.line,
      column,
      keyPath: first.keyPath,
      codeFrame: codeFrame(text, first.line, column),
    },
  });
}
