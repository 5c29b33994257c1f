/**
 * Renders a clnrm template (Tera syntax) to TOML text with nunjucks plus the Tera
 * compatibility layer. Autoescape is off and undefined values are errors that name the
 * variable and its line. A file that is not a template is returned as it is, and nunjucks
 * (nunjucks-render.ts) is loaded only by the first template (issue 11: ~110 ms of start-up).
 */
import { buildContext, readStaticSection } from "./context.js";
import { matrixCombinations, strictMatrix, type MatrixCombo } from "./matrix.js";
import type { NunjucksRenderer } from "./nunjucks-render.js";

export interface RenderOptions {
  /** The file being rendered: names errors and anchors import/include of sibling files. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly map?: Readonly<Record<string, string>>;
  /** Overrides [determinism] freeze_clock (RFC 3339). */
  readonly freezeClock?: string;
  /** Overrides [determinism] seed. */
  readonly seed?: number;
  /** The [matrix] combination bound as `matrix.<key>` (default: the first one, if any). */
  readonly matrix?: MatrixCombo;
}

export interface RenderResult {
  readonly text: string;
  readonly isTemplate: boolean;
  readonly context: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  readonly freezeClock?: string;
}

/** A document is a template when it contains `{{`, `{%` or `{#`, or its name ends in `.tera`. */
export function isTemplate(source: string, file?: string): boolean {
  return /\{\{|\{%|\{#/.test(source) || (file?.endsWith(".tera") ?? false);
}

/** Renders templates; keeps one nunjucks environment per directory of imported files. */
export class TemplateRenderer {
  private nunjucks?: Promise<NunjucksRenderer>;

  async render(source: string, options: RenderOptions = {}): Promise<RenderResult> {
    const processEnv = options.env ?? process.env;
    const fileVars = readStaticSection(source, "vars");
    const matrix = strictMatrix(options.matrix ?? matrixCombinations(source)[0]);
    const context = buildContext({ env: processEnv, map: options.map, fileVars, matrix });
    if (!isTemplate(source, options.file)) return { text: source, isTemplate: false, context };
    this.nunjucks ??= import("./nunjucks-render.js").then((m) => new m.NunjucksRenderer());
    return (await this.nunjucks).render(source, options, context, processEnv);
  }
}
