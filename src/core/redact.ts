/**
 * Secret redaction for every report and bundle: values of env keys that look secret
 * (*TOKEN*, *SECRET*, *PASSWORD*, *API_KEY*, …), [otel.headers] values and `--secret NAME`
 * are replaced by «redacted» wherever they appear in text.
 */
export const SECRET_KEY = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIAL|AUTH/i;
export const REDACTED = "«redacted»";

export class Redactor {
  private readonly values: string[];
  constructor(values: Iterable<string>) {
    // Longest first so a secret containing another is replaced whole; very short values would
    // redact noise.
    this.values = [...new Set([...values].filter((v) => v.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }
  get size(): number {
    return this.values.length;
  }
  text(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }
  /** Deep copy with every string redacted. */
  deep<T>(v: T): T {
    if (this.values.length === 0) return v;
    return JSON.parse(
      JSON.stringify(v, (_k, x: unknown) =>
        typeof x === "string" ? this.text(x) : typeof x === "bigint" ? x.toString() : x,
      ),
    ) as T;
  }
}

/** Secret values of an env map (by key name), plus explicitly named keys. */
export function secretValues(
  env: Readonly<Record<string, string>>,
  named: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(env)
    .filter(([k]) => SECRET_KEY.test(k) || named.has(k))
    .map(([, v]) => v);
}
