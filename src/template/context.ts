/**
 * Builds the template context with the documented precedence:
 *   template defaults < environment < the file's static [vars] < --map key=value.
 * Values are exposed at top level (`{{ svc }}`) and under `vars` (`{{ vars.svc }}`).
 */
import { parse as parseToml } from "smol-toml";
import { CleanroomError } from "../core/errors.js";
import { FORBIDDEN_NAMES, touchesPrototype } from "./forbidden.js";

/**
 * The seven defaults of reference-behaviour.md §3.3, with the environment variable that overrides
 * each.
 */
export const TEMPLATE_DEFAULTS: ReadonlyArray<{ key: string; envVar: string; value: string }> = [
  { key: "svc", envVar: "SERVICE_NAME", value: "clnrm" },
  { key: "env", envVar: "ENV", value: "ci" },
  { key: "endpoint", envVar: "OTEL_ENDPOINT", value: "http://localhost:4318" },
  { key: "exporter", envVar: "OTEL_TRACES_EXPORTER", value: "otlp" },
  { key: "image", envVar: "CLNRM_IMAGE", value: "registry/clnrm:1.0.0" },
  { key: "freeze_clock", envVar: "FREEZE_CLOCK", value: "2025-01-01T00:00:00Z" },
  { key: "token", envVar: "OTEL_TOKEN", value: "" },
];

export interface ContextInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--map key=value` pairs; dotted keys set nested values. */
  readonly map?: Readonly<Record<string, string>>;
  /** Static values read from the document before rendering (its [vars] table). */
  readonly fileVars?: Readonly<Record<string, unknown>>;
  /** `matrix.<key>` for this render (see matrix.ts). */
  readonly matrix?: Readonly<Record<string, unknown>>;
}

export function buildContext(inputs: ContextInputs): Record<string, unknown> {
  for (const k of Object.keys(inputs.map ?? {}))
    if (touchesPrototype(k))
      throw new CleanroomError("Template", `--map key \`${k}\` would touch an object prototype`, {
        context: { keyPath: k },
        hint: `rename the variable: ${[...FORBIDDEN_NAMES].join(", ")} are reserved`,
      });
  const bad = forbiddenKeyPath(inputs.fileVars ?? {}, "vars");
  if (bad)
    throw new CleanroomError(
      "Configuration",
      `[vars] key \`${bad}\` would touch an object prototype`,
      {
        context: { keyPath: bad },
        hint: `rename the variable: ${[...FORBIDDEN_NAMES].join(", ")} are reserved`,
      },
    );
  const vars: Record<string, unknown> = {};
  for (const d of TEMPLATE_DEFAULTS) vars[d.key] = inputs.env[d.envVar] ?? d.value;
  for (const [k, v] of Object.entries(inputs.fileVars ?? {})) vars[k] = v;
  for (const [k, v] of Object.entries(inputs.map ?? {})) setDotted(vars, k, v);
  return { ...vars, vars, matrix: inputs.matrix ?? {}, otel: {} };
}

/** The first key path under `value` with a segment that would touch a prototype. */
function forbiddenKeyPath(value: unknown, at: string): string | undefined {
  if (typeof value !== "object" || value === null || value instanceof Date) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const here = Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`;
    if (FORBIDDEN_NAMES.has(k)) return here;
    const deeper = forbiddenKeyPath(v, here);
    if (deeper) return deeper;
  }
  return undefined;
}

function setDotted(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/**
 * Reads the static part of a table family (`[vars]`, `[vars.x]`, or `[determinism]`) from
 * an unrendered document: the lines under those headers are parsed as TOML on their own,
 * and values that are themselves templates (`svc = "{{ svc }}"`) are dropped.
 * Returns {} when the section cannot be read statically.
 */
export function readStaticSection(
  source: string,
  section: string,
  keepTemplated = false,
): Record<string, unknown> {
  const lines = source.split("\n");
  const picked: string[] = [];
  let inside = false;
  for (const line of lines) {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      const name = header[1]!.replace(/["']/g, "");
      inside = name === section || name.startsWith(`${section}.`);
    }
    if (inside && !/\{%|\{#/.test(line)) picked.push(line);
  }
  if (picked.length === 0) return {};
  try {
    const doc = parseToml(picked.join("\n"), { integersAsBigInt: false }) as Record<
      string,
      unknown
    >;
    const value = keepTemplated ? doc[section] : dropTemplated(doc[section]);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function dropTemplated(v: unknown): unknown {
  if (typeof v === "string") return /\{\{|\{%/.test(v) ? undefined : v;
  if (Array.isArray(v)) return v.map(dropTemplated);
  if (typeof v === "object" && v !== null && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const d = dropTemplated(x);
      // defineProperty: a `__proto__` key stays a key (refused by buildContext), never a prototype
      if (d !== undefined)
        Object.defineProperty(out, k, { value: d, enumerable: true, writable: true });
    }
    return out;
  }
  return v;
}
