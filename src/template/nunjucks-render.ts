/**
 * The nunjucks side of TemplateRenderer (render.ts), loaded with the first template: the
 * sandboxed environment per directory, the Tera compatibility layer, `[vars]` that are
 * templates and the second render when `[determinism]` is itself templated.
 */
import fs from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import type { Faker } from "@faker-js/faker";
import { CleanroomError } from "../core/errors.js";
import { readStaticSection } from "./context.js";
import { teraFilters, teraTests } from "./filters.js";
import { templateFunctionNames, templateFunctions, type TemplateRuntime } from "./functions.js";
import { BUILTIN_MACROS, BUILTIN_MACROS_NAME } from "./macros.js";
import { insideDir, installSandbox, outsideDir } from "./sandbox.js";
import { namedArgs, preprocessTera } from "./tera-shim.js";
import { thrown } from "./thrown.js";
import { toTemplateError } from "./template-errors.js";
import type { RenderOptions, RenderResult } from "./render.js";

installSandbox();

class ClnrmLoader extends nunjucks.Loader {
  constructor(private readonly dir: string) {
    super();
  }
  getSource(name: string): nunjucks.LoaderSource {
    const full = path.resolve(this.dir, name);
    const inside = insideDir(this.dir, full);
    if (inside && fs.existsSync(full)) {
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
    if (!inside) throw outsideDir(name, this.dir);
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

/** One nunjucks environment per directory of imported files. */
export class NunjucksRenderer {
  private readonly envs = new Map<
    string,
    { env: nunjucks.Environment; rt: { current?: TemplateRuntime } }
  >();

  async render(
    source: string,
    options: RenderOptions,
    context: Record<string, unknown>,
    processEnv: Readonly<Record<string, string | undefined>>,
  ): Promise<RenderResult> {
    const faker = /\bfake/.test(source) ? await loadFaker() : undefined;
    const pre = preprocessTera(source, templateFunctionNames);

    const staticDet = readStaticSection(source, "determinism");
    let seed = options.seed ?? numberOrUndefined(staticDet.seed);
    let freezeClock = options.freezeClock ?? stringOrUndefined(staticDet.freeze_clock);
    this.renderTemplatedVars(source, context, options.file, {
      seed,
      freezeClock,
      env: processEnv,
      faker,
      source,
    });
    let text = this.renderOnce(pre, context, options.file, {
      seed,
      freezeClock,
      env: processEnv,
      faker,
      source,
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
        source,
      });
    }
    return { text, isTemplate: true, context, seed, freezeClock };
  }

  /**
   * `[vars]` values that are themselves templates (`a = "{{ svc }}-x"`) are rendered with the
   * context before the file, in order, so later ones can use earlier ones. One that fails is
   * left undefined: the file's own render then reports it where it is used.
   */
  private renderTemplatedVars(
    source: string,
    context: Record<string, unknown>,
    file: string | undefined,
    d: Parameters<NunjucksRenderer["renderOnce"]>[3],
  ): void {
    const all = readStaticSection(source, "vars", true);
    const vars = context.vars as Record<string, unknown>;
    for (const [k, v] of Object.entries(all)) {
      if (typeof v !== "string" || !/\{\{|\{%/.test(v)) continue;
      if (!isTemplatedVarStillMissing(vars, k)) continue;
      try {
        const value = this.renderOnce(preprocessTera(v, templateFunctionNames), context, file, {
          ...d,
          source: v,
        });
        vars[k] = value;
        context[k] = value;
      } catch {
        // reported by the file's own render where the variable is used
      }
    }
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
      source: string;
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
      throw toTemplateError(e, d.source, file, pre);
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
        try {
          return fn(namedArgs([], args), rt.current);
        } catch (e) {
          throw e instanceof CleanroomError ? thrown(e) : e;
        }
      });
    }
    for (const [name, f] of Object.entries(teraFilters)) env.addFilter(name, f);
    // addTest is missing from @types/nunjucks
    for (const [name, t] of Object.entries(teraTests))
      (env as unknown as { addTest(n: string, f: unknown): void }).addTest(name, t);
    const entry = { env, rt };
    this.envs.set(dir, entry);
    return entry;
  }
}

/** A `--map` value wins over the file's templated default. */
function isTemplatedVarStillMissing(vars: Record<string, unknown>, key: string): boolean {
  return vars[key] === undefined;
}

function numberOrUndefined(v: unknown): number | undefined {
  const n = typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : undefined;
  return n === undefined || !Number.isFinite(n) ? undefined : n;
}
function stringOrUndefined(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString();
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
