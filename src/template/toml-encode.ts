/** Encodes a template value as a TOML literal (strings fully escaped, unlike upstream). */
export function tomlEncode(v: unknown): string {
  if (v === null || v === undefined) return '""';
  // JSON string escapes are valid TOML basic-string escapes.
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number")
    return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlEncode).join(", ")}]`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(
      ([k]) => k !== "__keywords",
    );
    const key = (k: string): string => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
    return `{ ${entries.map(([k, x]) => `${key(k)} = ${tomlEncode(x)}`).join(", ")} }`;
  }
  return JSON.stringify(String(v));
}
