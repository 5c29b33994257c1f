/**
 * Tera filters with Tera's named arguments (`default(value=…)`, `join(sep=…)`, …).
 * Plain nunjucks silently mis-renders these (toolchain.md Q4), so each filter maps
 * nunjucks' trailing keyword object onto named parameters.
 */
import { CleanroomError } from "../core/errors.js";
import { userRegex } from "../core/regex.js";
import { namedArgs } from "./tera-shim.js";
import { camelCase, kebabCase, pascalCase, slug, snakeCase } from "./case.js";
import { tomlEncode } from "./toml-encode.js";

type Filter = (value: unknown, args: Record<string, unknown>) => unknown;

const s = (v: unknown): string =>
  v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

function named(
  names: readonly string[],
  fn: Filter,
): (value: unknown, ...rest: unknown[]) => unknown {
  return (value, ...rest) => fn(value, namedArgs(names, rest));
}

function truncate(v: unknown, a: Record<string, unknown>): string {
  const text = s(v);
  const length = Number(a.length ?? 255);
  const end = a.end === undefined ? "…" : s(a.end);
  const chars = [...text];
  return chars.length <= length ? text : chars.slice(0, length).join("") + end;
}

function round(v: unknown, a: Record<string, unknown>): number {
  const p = 10 ** Number(a.precision ?? 0);
  const x = Number(v) * p;
  const method = s(a.method ?? "common");
  const r = method === "ceil" ? Math.ceil(x) : method === "floor" ? Math.floor(x) : Math.round(x);
  return r / p;
}

/** An own property only: filters never hand out prototype members (sandbox.ts). */
function ownValue(v: unknown, key: string): unknown {
  if (typeof v !== "object" || v === null || !Object.hasOwn(v, key)) return undefined;
  return (v as Record<string, unknown>)[key];
}

export const teraFilters: Record<string, (value: unknown, ...rest: unknown[]) => unknown> = {
  default: named(["value"], (v, a) => (v === undefined ? a.value : v)),
  join: named(["sep"], (v, a) => (Array.isArray(v) ? v.map(s).join(s(a.sep ?? "")) : s(v))),
  replace: named(["from", "to"], (v, a) => s(v).split(s(a.from)).join(s(a.to))),
  truncate: named(["length", "end"], truncate),
  round: named(["method", "precision"], round),
  split: named(["pat"], (v, a) => s(v).split(s(a.pat))),
  json_encode: named(["pretty"], (v, a) =>
    JSON.stringify(
      v,
      (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x),
      a.pretty ? 2 : undefined,
    ),
  ),
  toml_encode: named([], (v) => tomlEncode(v)),
  slugify: named([], (v) => slug(s(v))),
  slug: named([], (v) => slug(s(v))),
  kebab: named([], (v) => kebabCase(s(v))),
  snake: named([], (v) => snakeCase(s(v))),
  camel: named([], (v) => camelCase(s(v))),
  pascal: named([], (v) => pascalCase(s(v))),
  upper: named([], (v) => s(v).toUpperCase()),
  lower: named([], (v) => s(v).toLowerCase()),
  trim: named([], (v) => s(v).trim()),
  trim_start: named([], (v) => s(v).trimStart()),
  trim_end: named([], (v) => s(v).trimEnd()),
  capitalize: named([], (v) => {
    const t = s(v);
    return t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
  }),
  title: named([], (v) => s(v).replace(/\b\w/g, (c) => c.toUpperCase())),
  wordcount: named([], (v) => s(v).split(/\s+/).filter(Boolean).length),
  length: named([], (v) =>
    Array.isArray(v) ? v.length : typeof v === "object" && v ? Object.keys(v).length : s(v).length,
  ),
  first: named([], (v) => (Array.isArray(v) ? v[0] : s(v)[0])),
  last: named([], (v) => (Array.isArray(v) ? v[v.length - 1] : s(v).slice(-1))),
  nth: named(["n"], (v, a) => (Array.isArray(v) ? v[Number(a.n)] : undefined)),
  reverse: named([], (v) => (Array.isArray(v) ? [...v].reverse() : [...s(v)].reverse().join(""))),
  sort: named(["attribute"], (v, a) => {
    if (!Array.isArray(v)) return v;
    const key = (x: unknown): unknown => (a.attribute ? ownValue(x, s(a.attribute)) : x);
    return [...v].sort((x, y) =>
      String(key(x)) < String(key(y)) ? -1 : String(key(x)) > String(key(y)) ? 1 : 0,
    );
  }),
  unique: named([], (v) => (Array.isArray(v) ? [...new Set(v)] : v)),
  concat: named(["with"], (v, a) => [
    ...(Array.isArray(v) ? v : [v]),
    ...(Array.isArray(a.with) ? a.with : [a.with]),
  ]),
  get: named(["key", "default"], (v, a) => {
    const got = ownValue(v, s(a.key));
    if (got === undefined && a.default === undefined)
      throw new CleanroomError("Template", `get(key="${s(a.key)}"): no such key`);
    return got ?? a.default;
  }),
  int: named(["default"], (v, a) => {
    const n = parseInt(s(v), 10);
    return Number.isNaN(n) ? (a.default ?? 0) : n;
  }),
  float: named(["default"], (v, a) => {
    const n = parseFloat(s(v));
    return Number.isNaN(n) ? (a.default ?? 0) : n;
  }),
  as_str: named([], (v) => s(v)),
  string: named([], (v) => s(v)),
  abs: named([], (v) => Math.abs(Number(v))),
  indent: named(["width", "first"], (v, a) => {
    const pad = " ".repeat(Number(a.width ?? 4));
    return s(v)
      .split("\n")
      .map((l, i) => (i === 0 && !a.first ? l : pad + l))
      .join("\n");
  }),
  urlencode: named([], (v) => encodeURIComponent(s(v))),
  escape: named([], (v) =>
    s(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
  ),
  safe: named([], (v) => v),
  /** Used by the shim for expressions inside TOML comments (see keepLiteralIfUndefined). */
  __or_literal: (v: unknown, literal: unknown) => (v === undefined || v === null ? literal : v),
};

/** Tera's tests (`x is starting_with("a")`), which nunjucks lacks. */
export const teraTests: Record<string, (value: unknown, arg?: unknown) => boolean> = {
  starting_with: (v, a) => s(v).startsWith(s(a)),
  ending_with: (v, a) => s(v).endsWith(s(a)),
  containing: (v, a) =>
    Array.isArray(v) ? v.includes(a) : typeof v === "object" && v ? s(a) in v : s(v).includes(s(a)),
  matching: (v, a) => userRegex(s(a)).test(s(v)),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  iterable: (v) => Array.isArray(v) || (typeof v === "object" && v !== null),
};
