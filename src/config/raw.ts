/** Accessors for untyped TOML values (shapes are checked by the schema first). */
import { isTable } from "./schema.js";

type Raw = Record<string, unknown>;

export const tbl = (v: unknown): Raw => (isTable(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(tbl(v))) out[k] = typeof x === "string" ? x : String(x);
  return out;
}
