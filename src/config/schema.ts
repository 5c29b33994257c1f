/**
 * A small declarative schema for test files. Written by hand rather than with a schema
 * library because unknown keys need two severities with key paths and a did-you-mean:
 * inside a `strict` table (expectations, scenarios, services, [otel]) an unknown key is an
 * error, because a misspelt assertion must never be dropped silently; elsewhere (upstream's
 * extra top-level tables such as `[otel_expectations]`) it is a warning, unless it is a
 * near-miss of a known top-level table (`[[expects.span]]`). Type and range problems are
 * errors with key paths and lines.
 */
import { didYouMean } from "../core/suggest.js";
import type { ConfigIssue } from "./types.js";

export type Shape =
  | {
      readonly t: "string";
      readonly nonEmpty?: boolean;
      readonly oneOf?: readonly string[];
      readonly ci?: boolean;
    }
  | { readonly t: "int"; readonly min?: number; readonly max?: number }
  | { readonly t: "number"; readonly min?: number; readonly max?: number }
  | { readonly t: "bool" }
  | { readonly t: "any" }
  | { readonly t: "scalar" }
  | { readonly t: "array"; readonly of: Shape; readonly len?: number; readonly nonEmpty?: boolean }
  | { readonly t: "map"; readonly of: Shape }
  | {
      readonly t: "table";
      readonly fields: Readonly<Record<string, Field>>;
      /** Unknown keys in this table and everything below it are errors. */
      readonly strict?: boolean;
    }
  | { readonly t: "either"; readonly options: readonly Shape[]; readonly describe: string };

export type Field = Shape & { readonly req?: boolean };

const typeName = (v: unknown): string =>
  Array.isArray(v)
    ? "array"
    : v instanceof Date
      ? "datetime"
      : typeof v === "bigint"
        ? "integer"
        : v === null
          ? "null"
          : typeof v === "object"
            ? "table"
            : typeof v;

export function checkShape(
  value: unknown,
  shape: Shape,
  keyPath: string,
  issues: ConfigIssue[],
  strict = false,
): undefined {
  const err = (message: string): undefined =>
    void issues.push({ severity: "error", keyPath, message });
  switch (shape.t) {
    case "any":
      return;
    case "scalar":
      if (!["string", "number", "boolean", "bigint"].includes(typeof value))
        err(`expected a string, number or boolean, found ${typeName(value)}`);
      return;
    case "string":
      if (typeof value !== "string") return err(`expected a string, found ${typeName(value)}`);
      if (shape.nonEmpty && value.trim() === "") return err("must not be empty");
      if (shape.oneOf) {
        const ok = shape.ci
          ? shape.oneOf.some((o) => o.toLowerCase() === value.toLowerCase())
          : shape.oneOf.includes(value);
        if (!ok) err(`"${value}" is not one of ${shape.oneOf.join(", ")}`);
      }
      return;
    case "bool":
      if (typeof value !== "boolean") err(`expected true or false, found ${typeName(value)}`);
      return;
    case "int":
    case "number": {
      const n = typeof value === "bigint" ? Number(value) : value;
      if (typeof n !== "number") return err(`expected a number, found ${typeName(value)}`);
      if (shape.t === "int" && !Number.isInteger(n))
        return err(`expected a whole number, found ${n}`);
      if (shape.min !== undefined && n < shape.min) err(`must be ≥ ${shape.min}, found ${n}`);
      if (shape.max !== undefined && n > shape.max) err(`must be ≤ ${shape.max}, found ${n}`);
      return;
    }
    case "array":
      if (!Array.isArray(value)) return err(`expected an array, found ${typeName(value)}`);
      if (shape.nonEmpty && value.length === 0) err("must not be empty");
      if (shape.len !== undefined && value.length !== shape.len)
        err(`expected exactly ${shape.len} elements, found ${value.length}`);
      for (const [i, v] of value.entries())
        checkShape(v, shape.of, `${keyPath}[${i}]`, issues, strict);
      return;
    case "map":
      if (!isTable(value)) return err(`expected a table, found ${typeName(value)}`);
      for (const [k, v] of Object.entries(value))
        checkShape(v, shape.of, join(keyPath, k), issues, strict);
      return;
    case "either":
      for (const option of shape.options) {
        const sub: ConfigIssue[] = [];
        checkShape(value, option, keyPath, sub, strict);
        if (!sub.some((i) => i.severity === "error")) {
          issues.push(...sub);
          return;
        }
      }
      return err(`expected ${shape.describe}, found ${typeName(value)}`);
    case "table": {
      if (!isTable(value)) return err(`expected a table, found ${typeName(value)}`);
      const closed = strict || shape.strict === true;
      for (const [k, field] of Object.entries(shape.fields)) {
        if (field.req && value[k] === undefined)
          issues.push({ severity: "error", keyPath: join(keyPath, k), message: "is required" });
      }
      for (const [k, v] of Object.entries(value)) {
        const field = shape.fields[k];
        if (!field) issues.push(unknownKey(k, v, keyPath, shape.fields, closed));
        else checkShape(v, field, join(keyPath, k), issues, closed);
      }
      return;
    }
  }
}

/**
 * An unknown key: an error inside a strict table or when it is a near-miss of a known name
 * (`[[expect.spans]]` → `expect.span`, `atrs.all` → `attrs.all`), else a warning.
 */
function unknownKey(
  k: string,
  v: unknown,
  parent: string,
  fields: Readonly<Record<string, Field>>,
  closed: boolean,
): ConfigIssue {
  const keyPath = join(parent, k);
  const known = Object.keys(fields);
  const near = didYouMean(k, known);
  // Show the suggestion the way it is written: with the first nested key of a sub-table
  // (`attrs.all`), and with its section for a table header (`expect.span`).
  const sub = isTable(v) && near && fields[near]?.t === "table" ? Object.keys(v)[0] : undefined;
  const header = parent !== "" && !parent.includes(".") && !parent.includes("[");
  const written = near && `${header ? `${parent}.` : ""}${near}${sub ? `.${sub}` : ""}`;
  const shown = `${header ? `${parent}.` : ""}${k}${sub ? `.${sub}` : ""}`;
  // Outside strict tables only a near-miss of a top-level table (`[[expects.span]]`) is an error.
  if (!closed && !(near && parent === ""))
    return {
      severity: "warning",
      keyPath,
      message: `unknown key \`${k}\` (ignored)${near ? `: did you mean \`${near}\`?` : ""}`,
    };
  return {
    severity: "error",
    keyPath,
    message:
      `unknown key \`${shown}\`` +
      (written ? `: did you mean \`${written}\`?` : ` (known keys here: ${known.join(", ")})`),
  };
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function join(base: string, key: string): string {
  const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${k}` : k;
}
