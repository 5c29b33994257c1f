/**
 * Renders a clnrm template (Tera syntax) to TOML text with nunjucks plus the Tera
 * compatibility layer. Autoescape is off and undefined values are errors that name the
 * variable and its line.
 */
import fs from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import type { Faker } from "@faker-js/faker";
import { CleanroomError } from "../core/errors.js";
import { buildContext, readStaticSection } from "./context.js";
import { teraFilters, teraTests } from "./filters.js";
import { templateFunctionNames, templateFunctions, type TemplateRuntime } from "./functions.js";
import { BUILTIN_MACROS, BUILTIN_MACROS_NAME } from "./macros.js";
import { namedArgs, preprocessTera } from "./tera-shim.js";

export interface RenderOptions {
  /** The file being rendered: names errors and anchors import/include of sibling files. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly map?: Readonly<Record<string, string>>;
  /** Overrides [determinism] freeze_clock (RFC 3339). */
  readonly freezeClock?: string;
  /** Overrides [determinism] seed. */
  readonly seed?: number;
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

class ClnrmLoader extends nunjucks.Loader {
  constructor(private readonly dir: string) {
    super();
  }
  getSource(name: string): nunjucks.LoaderSource {
    const full = path.resolve(this.dir, name);
    if (fs.existsSync(full)) {
      return {
        src: preprocessTera(fs.readFileSync(full, "utf8"), templateFunctionNames),
        path: full,
        noCache: true,
      };
    }
    if (path.basename(name) === BUILTIN_MACROS_NAME) {
      return {
        src: preprocessTera(BUILTIN_MACROS, templateFunctionNames),
        path: BUILTIN_MACROS_NAME,
        noCache: false,
      };
    }
    throw new CleanroomError("Template", `template "${name}" not found (looked in ${this.dir})`);
  }
}

let fakerModule: Faker | undefined;
async function loadFaker(): Promise<Faker> {
  if (!fakerModule) {
    const { Faker, en, base } = await import("@faker-js/faker");
    fakerModule = new Faker({ locale: [en, base] });
  }
  return fakerModule;
}

/** Renders templates; keeps one nunjucks environment per directory of imported files. */
export class TemplateRenderer {
  private readonly envs = new Map<
    string,
    { env: nunjucks.Environment; rt: { current?: TemplateRuntime } }
  >();

  async render(source: string, options: RenderOptions = {}): Promise<RenderResult> {
    const processEnv = options.env ?? process.env;
    const fileVars = readStaticSection(source, "vars");
    const context = buildContext({ env: processEnv, map: options.map, fileVars });
    if (!isTemplate(source, options.file)) return { text: source, isTemplate: false, context };
    const faker = /\bfake/.test(source) ? await loadFaker() : undefined;
    const pre = preprocessTera(source, templateFunctionNames);

    const staticDet = readStaticSection(source, "determinism");
    let seed = options.seed ?? numberOrUndefined(staticDet.seed);
    let freezeClock = options.freezeClock ?? stringOrUndefined(staticDet.freeze_clock);
    let text = this.renderOnce(pre, context, options.file, {
      seed,
      freezeClock,
      env: processEnv,
      faker,
    });
    // [determinism] may itself be templated: read it from the output and render again with it.
    const renderedDet = readStaticSection(text, "determinism");
    const seed2 = options.seed ?? numberOrUndefined(renderedDet.seed);
    const clock2 = options.freezeClock ?? stringOrUndefined(renderedDet.freeze_clock);
    if (seed2 !== seed || clock2 !== freezeClock) {
      seed = seed2;
      freezeClock = clock2;
      text = this.renderOnce(pre, context, options.file, {
        seed,
        freezeClock,
        env: processEnv,
        faker,
      });
    }
    return { text, isTemplate: true, context, seed, freezeClock };
  }

  private renderOnce(
    pre: string,
    context: Record<string, unknown>,
    file: string | undefined,
    d: {
      seed?: number;
      freezeClock?: string;
      env: Readonly<Record<string, string | undefined>>;
      faker?: Faker;
    },
  ): string {
    const { env, rt } = this.environmentFor(
      file ? path.dirname(path.resolve(file)) : process.cwd(),
    );
    let frozenClockMs: number | undefined;
    if (d.freezeClock !== undefined) {
      frozenClockMs = Date.parse(d.freezeClock);
      if (Number.isNaN(frozenClockMs))
        throw new CleanroomError(
          "Template",
          `freeze_clock "${d.freezeClock}" is not an RFC 3339 timestamp`,
          {
            context: { file, keyPath: "determinism.freeze_clock" },
            hint: 'write it like "2025-01-01T00:00:00Z"',
          },
        );
    }
    rt.current = {
      env: d.env,
      frozenClockMs,
      seed: d.seed,
      faker: d.faker,
      callIndex: 0,
      seqs: new Map(),
    };
    try {
      return new nunjucks.Template(pre, env, file ?? "<template>", true).render(context);
    } catch (e) {
      throw toTemplateError(e, pre, file);
    } finally {
      rt.current = undefined;
    }
  }

  private environmentFor(dir: string): {
    env: nunjucks.Environment;
    rt: { current?: TemplateRuntime };
  } {
    const cached = this.envs.get(dir);
    if (cached) return cached;
    const env = new nunjucks.Environment(new ClnrmLoader(dir), {
      autoescape: false,
      throwOnUndefined: true,
    });
    const rt: { current?: TemplateRuntime } = {};
    for (const [name, fn] of Object.entries(templateFunctions)) {
      env.addGlobal(`__fn_${name}`, (...args: unknown[]) => {
        if (!rt.current)
          throw new CleanroomError("Internal", `template function ${name} called outside a render`);
        return fn(namedArgs([], args), rt.current);
      });
    }
    for (const [name, f] of Object.entries(teraFilters)) env.addFilter(name, f);
    for (const [name, t] of Object.entries(teraTests))
      (env as unknown as { addTest(n: string, f: unknown): void }).addTest(name, t); // missing from @types/nunjucks
    const entry = { env, rt };
    this.envs.set(dir, entry);
    return entry;
  }
}

function numberOrUndefined(v: unknown): number | undefined {
  const n = typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : undefined;
  return n === undefined || !Number.isFinite(n) ? undefined : n;
}
function stringOrUndefined(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString();
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/**
 * Maps a nunjucks error to a CleanroomError with file:line:col and, for undefined values, the
 * variable name.
 */
export function toTemplateError(
  e: unknown,
  source: string,
  file: string | undefined,
): CleanroomError {
  if (e instanceof CleanroomError) {
    const pos = /\[Line (\d+), Column (\d+)\]/.exec(
      String((e as Error & { lineno?: number }).message),
    );
    return e.withContext({ file, line: pos ? Number(pos[1]) : undefined });
  }
  const raw = e instanceof Error ? e.message : String(e);
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof CleanroomError) return cause.withContext({ file, ...positionOf(raw) });
  let pos = positionOf(raw);
  if (pos.line === undefined) pos = locateBadTag(source);
  let message = raw
    .replace(/^\(.*?\)\s*/, "")
    .replace(/\[Line \d+, Column \d+\]\s*/g, "")
    .replace(/^Template render error:\s*/i, "")
    .replace(/\b(Syntax|Type|Reference)?Error: /g, "")
    .trim();
  if (/SyntaxError/.test(raw)) message = `this tag does not compile (${message})`;
  let hint: string | undefined;
  if (/attempted to output null or undefined value/.test(message) && pos.line !== undefined) {
    const name = expressionAt(source, pos.line, pos.column);
    message = name
      ? `variable \`${name}\` is not defined`
      : "a value in this expression is not defined";
    hint = name
      ? `define it in [vars], pass --map ${name.replace(/^vars\./, "")}=…, or write {{ ${name} | default(value="…") }}`
      : undefined;
  }
  const lineText = pos.line !== undefined ? source.split("\n")[pos.line - 1] : undefined;
  const codeFrame =
    lineText !== undefined
      ? `${pos.line} | ${lineText}\n${" ".repeat(String(pos.line).length)} | ${" ".repeat(Math.max(0, (pos.column ?? 1) - 1))}^`
      : undefined;
  return new CleanroomError("Template", message, {
    context: { file, ...pos, codeFrame },
    hint,
    cause: e,
  });
}

const BLOCK_END: Record<string, string> = {
  if: "endif",
  for: "endfor",
  macro: "endmacro",
  raw: "endraw",
  filter: "endfilter",
  call: "endcall",
  block: "endblock",
};

/**
 * When nunjucks gives no position (unterminated tags, errors in the JavaScript it generates),
 * find the first tag that does not compile on its own; else the first unterminated opener.
 */
function locateBadTag(source: string): { line?: number; column?: number } {
  const at = (index: number): { line: number; column: number } => {
    const before = source.slice(0, index);
    return { line: before.split("\n").length, column: index - before.lastIndexOf("\n") };
  };
  const env = new nunjucks.Environment(null, { autoescape: false });
  const re = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const tag = m[0];
    const keyword = /^\{%-?\s*(\w+)/.exec(tag)?.[1];
    if (
      keyword &&
      (keyword.startsWith("end") ||
        ["else", "elif", "elseif", "import", "from", "include", "extends"].includes(keyword))
    ) {
      if (!["import", "from", "include"].includes(keyword)) continue;
    }
    const probe = keyword && BLOCK_END[keyword] ? `${tag}{% ${BLOCK_END[keyword]} %}` : tag;
    try {
      nunjucks.compile(probe, env);
      new nunjucks.Template(probe, env, "probe", true);
    } catch {
      return at(m.index);
    }
  }
  const open = /\{[{%#](?![\s\S]*?[}%#]\})/.exec(source);
  return open ? at(open.index) : { line: 1, column: 1 };
}

function positionOf(msg: string): { line?: number; column?: number } {
  const m = /\[Line (\d+), Column (\d+)\]/.exec(msg);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : {};
}

/** The `{{ … }}` expression at (or nearest after) a position, reduced to its variable name. */
function expressionAt(source: string, line: number, column?: number): string | undefined {
  const text = source.split("\n")[line - 1] ?? "";
  const re = /\{\{-?\s*([A-Za-z_][\w.]*)/g;
  let best: string | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (best === undefined || column === undefined || m.index <= column) best = m[1];
  }
  return best;
}
