/**
 * Secret redaction by value. The values of env keys that look secret (*TOKEN*, *SECRET*,
 * *PASSWORD*, *KEY*, *CREDENTIAL*, *AUTH*, …), [otel.headers] values and `--secret NAME` are
 * replaced by «redacted» wherever clnrm writes: console (stdout/stderr), reports, bundles, cache,
 * baselines, its own spans and error messages.
 *
 * Every length counts: a value of 4+ characters is replaced wherever it occurs; a shorter one
 * (`POSTGRES_PASSWORD = "pw"`) as a whole token only (not inside a longer word), since replacing
 * every "pw" substring would shred unrelated text.
 *
 * Besides per-test Redactors, one process-wide registry (`SECRETS`) collects every secret seen,
 * for the writers that see text from many tests (stdout/stderr, self-trace, atomic file writes).
 */
import fs from "node:fs";
import path from "node:path";
import { CleanroomError } from "./errors.js";

/**
 * Names whose values are secrets, matched on the name in upper snake case (`basicAuth` is
 * BASIC_AUTH). Not every name containing one of the words, since their values would be blanked
 * from every report: `AUTH` only as a word (`AUTH_HEADER`, `BASIC_AUTH`, not `author` or
 * `OAUTH_SCOPE`), token counts (`MAX_TOKENS`) and `TOKENIZER`, database and cache keys
 * (`primary_key`), and settings about a secret (`AUTH_TYPE`, `PASSWORD_FILE`) are not.
 */
const SECRET_WORD = new RegExp(
  "TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|AUTH_?KEY|PRIVATE_?KEY|CREDENTIAL|" +
    "_KEY$|^KEY$|(?:^|_)AUTH(?:_|$)|AUTHORIZATION",
);
const NOT_SECRET = new RegExp(
  "^(?:.*_)?(?:MAX|MIN|NUM|TOTAL|PROMPT|COMPLETION|INPUT|OUTPUT|CONTEXT)_?TOKENS$|TOKENIZER|" +
    "(?:^|_)(?:PRIMARY|FOREIGN|SORT|PARTITION|CACHE|IDEMPOTENCY|DEDUP|HASH|RANGE|OBJECT)_KEY$|" +
    "_(?:TYPE|MODE|METHOD|ENABLED|DISABLED|PROVIDER|SCHEME|FILE|PATH)$",
);

export function isSecretName(name: string): boolean {
  const upper = name
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .replace(/[.-]/g, "_")
    .toUpperCase();
  return SECRET_WORD.test(upper) && !NOT_SECRET.test(upper);
}

const REDACTED = "«redacted»";
const SHORT = 4;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class Redactor {
  private values: string[] = [];
  private shortRe?: RegExp;
  constructor(values: Iterable<string> = []) {
    this.add(values);
  }
  /** Adds secret values (empty strings are ignored). */
  add(values: Iterable<string>): void {
    const all = new Set([...this.values, ...this.shortValues()]);
    let changed = false;
    for (const v of values)
      if (v.length > 0 && !all.has(v)) {
        all.add(v);
        changed = true;
      }
    if (!changed) return;
    // Longest first so a secret containing another is replaced whole.
    const sorted = [...all].sort((a, b) => b.length - a.length);
    this.values = sorted.filter((v) => v.length >= SHORT);
    const short = sorted.filter((v) => v.length < SHORT);
    this.short = short;
    this.shortRe = short.length
      ? new RegExp(
          `(?<![\\p{L}\\p{N}_])(?:${short.map(escapeRe).join("|")})(?![\\p{L}\\p{N}_])`,
          "gu",
        )
      : undefined;
  }
  private short: string[] = [];
  private shortValues(): string[] {
    return this.short;
  }
  get size(): number {
    return this.values.length + this.short.length;
  }
  text(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    if (this.shortRe) out = out.replace(this.shortRe, REDACTED);
    return out;
  }
  /** Deep copy with every string redacted. */
  deep<T>(v: T): T {
    if (this.size === 0) return v;
    return JSON.parse(
      JSON.stringify(v, (_k, x: unknown) =>
        typeof x === "string" ? this.text(x) : typeof x === "bigint" ? x.toString() : x,
      ),
    ) as T;
  }
}

/** Short numbers and booleans (`AUTH_ENABLED = "1"`) are settings, not secrets. */
const notSecret = (v: string): boolean =>
  v.length < SHORT && /^(\d+|true|false|yes|no|on|off)$/i.test(v);

/**
 * What follows the name of a name/value pair (`"key":"x","value":…` in OTLP JSON, Postman;
 * `"name":"x","value":…` in HAR, Kubernetes env): the value when it is a string, plain or
 * OTLP's `{"stringValue":"…"}`; matched (without one) for any other value too.
 */
const PAIR_VALUE = new RegExp(
  String.raw`^\s*,\s*["']?value["']?\s*:\s*(?:\{\s*["']?\w+["']?\s*:\s*)?` +
    String.raw`(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')?`,
);

/**
 * Secret-looking assignments in unparsed text (`PASSWORD = "pw"`, `token: 'x'`), so that errors
 * raised before a test file is understood (bad TOML, template errors) cannot echo them.
 */
export function secretsInText(text: string): string[] {
  const out: string[] = [];
  // the lookbehind starts a name only where one can start: without it a long run of name
  // characters was scanned again from each of its positions (1 MB of them: minutes)
  const re = /(?<![\w.-])["']?([\w.-]+)["']?\s*([=:])\s*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = m[3] ?? m[4] ?? "";
    // A name/value pair (`{"key":"file","value":{"stringValue":"/tmp/data"}}`, OTLP JSON in
    // a scenario script): "key" holds a name, not a secret (taking it for one blanked "file",
    // "error" and "service.name" from every report); the value is the secret when that name
    // looks secret. Any other `"key": "…"` is still a secret named KEY.
    if (m[2] === ":" && /^(key|name)$/i.test(m[1]!)) {
      const pair = PAIR_VALUE.exec(text.slice(re.lastIndex, re.lastIndex + 4096));
      if (pair) {
        const value = pair[1] ?? pair[2] ?? "";
        if (isSecretName(v) && value && !notSecret(value)) out.push(value);
        continue;
      }
    }
    if (isSecretName(m[1]!) && v && !/\{\{|\{%/.test(v) && !notSecret(v)) out.push(v);
    // a value holding pairs of its own (`SPAN = '{"token":"…"}'`): its inner strings too; each
    // level is shorter than the one holding it, so this ends
    else if (v.length > 4 && /[=:]/.test(v))
      out.push(...secretsInText(m[3] !== undefined ? v.replace(/\\(["\\])/g, "$1") : v));
  }
  return out;
}

/** Secret values of an env map (by key name), plus explicitly named keys. */
export function secretValues(
  env: Readonly<Record<string, string | undefined>>,
  named: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && (named.has(k) || (isSecretName(k) && !notSecret(v))))
    .map(([, v]) => v as string);
}

/** Every secret this process has seen: used by stdout/stderr, self-trace and file writers. */
export const SECRETS = new Redactor();

/** Registers secret values with the process-wide registry (and their URL-encoded forms). */
export function registerSecrets(values: Iterable<string>): void {
  const list = [...values];
  SECRETS.add([...list, ...list.map((v) => encodeURIComponent(v))]);
}

let stdioPatched = false;
/** Redacts every string or Buffer clnrm writes to stdout and stderr. Idempotent. */
export function installStdioRedaction(): void {
  if (stdioPatched) return;
  stdioPatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (SECRETS.size === 0) return write(chunk, ...rest);
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.isBuffer(chunk)
            ? chunk.toString("utf8")
            : undefined;
      return write(text === undefined ? chunk : SECRETS.text(text), ...rest);
    }) as typeof stream.write;
  }
}

/**
 * Writes a text file redacted and atomically: a temporary file next to it, then a rename, so a
 * full disk or a crash never leaves half a report. Errors are the caller's (Io at the CLI).
 */
export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(tmp, SECRETS.text(text));
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why = code === "ENOSPC" ? "no space left on device" : (e as Error).message;
    throw new CleanroomError("Io", `cannot write ${file}: ${why}`, {
      hint: "nothing was half-written: the file is either complete or absent",
      cause: e,
    });
  }
}
