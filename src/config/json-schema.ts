/**
 * JSON Schema (draft-07) for editors (Taplo / Even Better TOML), generated from the very
 * Shape schemas the loader checks with (test-schema.ts, project.ts): no second copy to drift.
 * Written to dist/schemas/ at build time (scripts/make-schemas.mjs).
 */
import type { Shape } from "./schema.js";
import { TEST_FILE_SCHEMA } from "./test-schema.js";
import { PROJECT_SCHEMA } from "./project.js";

export type JsonSchema = { readonly [k: string]: unknown };

export function toJsonSchema(shape: Shape): JsonSchema {
  switch (shape.t) {
    case "any":
      return {};
    case "scalar":
      return { type: ["string", "number", "integer", "boolean"] };
    case "string": {
      const out: Record<string, unknown> = { type: "string" };
      if (shape.nonEmpty) out.minLength = 1;
      if (shape.oneOf)
        out.enum = shape.ci
          ? [...new Set(shape.oneOf.flatMap((o) => [o, o.toLowerCase(), o.toUpperCase()]))]
          : [...shape.oneOf];
      return out;
    }
    case "int":
    case "number":
      return {
        type: shape.t === "int" ? "integer" : "number",
        ...(shape.min !== undefined ? { minimum: shape.min } : {}),
        ...(shape.max !== undefined ? { maximum: shape.max } : {}),
      };
    case "bool":
      return { type: "boolean" };
    case "array":
      return {
        type: "array",
        items: toJsonSchema(shape.of),
        ...(shape.nonEmpty ? { minItems: 1 } : {}),
        ...(shape.len !== undefined ? { minItems: shape.len, maxItems: shape.len } : {}),
      };
    case "map":
      return { type: "object", additionalProperties: toJsonSchema(shape.of) };
    case "either":
      return { description: shape.describe, anyOf: shape.options.map(toJsonSchema) };
    case "table": {
      const required = Object.entries(shape.fields)
        .filter(([, f]) => f.req)
        .map(([k]) => k);
      return {
        type: "object",
        properties: Object.fromEntries(
          Object.entries(shape.fields).map(([k, f]) => [k, toJsonSchema(f)]),
        ),
        ...(required.length ? { required } : {}),
        // Unknown keys: `validate` names them, so editors flag them too.
        additionalProperties: false,
      };
    }
  }
}

export const SCHEMA_FILES = {
  "clnrm-test.schema.json": { title: "clnrm test file (*.clnrm.toml)", shape: TEST_FILE_SCHEMA },
  "cleanroom.schema.json": {
    title: "clnrm project configuration (cleanroom.toml)",
    shape: PROJECT_SCHEMA,
  },
} as const;

export function schemaDocument(name: keyof typeof SCHEMA_FILES): JsonSchema {
  const { title, shape } = SCHEMA_FILES[name];
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title,
    ...toJsonSchema(shape),
  };
}
