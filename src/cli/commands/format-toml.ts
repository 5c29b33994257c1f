/**
 * TOML formatting that cannot lose data. @taplo/lib keeps comments and order; keys inside
 * [vars] are then sorted. Every candidate output is parsed again and compared with the
 * input's data: Taplo 0.5 does not understand TOML 1.1 multi-line inline tables (upstream's
 * chaos tests) and moves their keys out, so a candidate that changes the data is dropped for
 * a conservative one (trailing blanks and blank-line runs only), and if that changes the data
 * too, the file is left as it is. Nothing is written that does not parse to the same data.
 */
import { isDeepStrictEqual } from "node:util";
import { CleanroomError } from "../../core/errors.js";
import { isTemplate } from "../../template/render.js";
import { parseToml } from "../../config/toml.js";

type TaploInstance = { format(src: string, opts: { options: Record<string, unknown> }): string };
let taplo: TaploInstance | undefined;

export interface Formatted {
  readonly text: string;
  /** Set when Taplo's output was dropped because it changed the data (names the first key). */
  readonly note?: string;
}

export async function formatTomlChecked(src: string, file: string): Promise<Formatted | undefined> {
  if (isTemplate(src, file)) return undefined;
  const data = parseToml(src, file); // refuse to format invalid TOML; the error names file:line:col
  // Imported here, not at the top: taplo costs ~0.8 s and ~280 MB, and only `fmt`/`init` use it.
  taplo ??= await (
    (await import("@taplo/lib")).default as unknown as {
      Taplo: { initialize(): Promise<TaploInstance> };
    }
  ).Taplo.initialize();
  let taploOut: string | undefined;
  // Taplo's wasm panic hook prints a Rust stack trace through console.error (seen on upstream
  // files with comments inside multi-line inline tables); the panic becomes the note below.
  const consoleError = console.error;
  console.error = () => undefined;
  try {
    taploOut = sortVars(
      taplo.format(src, {
        options: {
          reorderKeys: false,
          alignComments: false,
          arrayAutoCollapse: false,
          allowedBlankLines: 1,
        },
      }),
    );
  } catch {
    taploOut = undefined;
  } finally {
    console.error = consoleError;
  }
  const taploDiff = taploOut === undefined ? undefined : dataDifference(data, taploOut);
  if (taploOut !== undefined && taploDiff === undefined) return { text: taploOut };
  const note =
    taploOut === undefined
      ? "Taplo could not format this file (it failed inside); formatted conservatively"
      : `Taplo would change the data at ${taploDiff}; formatted conservatively`;
  for (const candidate of [sortVars(conservative(src)), conservative(src)])
    if (dataDifference(data, candidate) === undefined) return { text: candidate, note };
  return { text: src, note: `${note}: left unchanged` };
}

/** Throws unless `out` parses to the same data as `src` (the check before any write). */
export function assertSameData(src: string, out: string, file: string): void {
  const diff = dataDifference(parseToml(src, file), out);
  if (diff !== undefined)
    throw new CleanroomError(
      "Internal",
      `refusing to write ${file}: the formatted text would change the data at ${diff}`,
      { context: { file, keyPath: diff } },
    );
}

/** The first key path whose value differs, or undefined when `text` has the same data. */
export function dataDifference(data: unknown, text: string): string | undefined {
  let other: unknown;
  try {
    other = parseToml(text, "<formatted>");
  } catch (e) {
    return `(output does not parse: ${(e as Error).message})`;
  }
  return firstDifference(data, other, "");
}

function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], at ? `${at}.${k}` : k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const same =
    a instanceof Date && b instanceof Date
      ? String(a) === String(b) && a.getTime() === b.getTime()
      : isDeepStrictEqual(a, b);
  return same ? undefined : at || "(document)";
}

/**
 * Trailing blanks removed and runs of blank lines cut to one, outside multi-line strings;
 * one final newline. Hand-written: it needs to know where multi-line strings are, which
 * Taplo (the library) does not expose.
 */
export function conservative(src: string): string {
  const lines = src.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  let inString: '"""' | "'''" | null = null;
  let blank = 0;
  for (const line of lines) {
    const startsInside = inString !== null;
    inString = scanLine(line, inString);
    if (startsInside) {
      out.push(inString === null ? line.replace(/[ \t]+$/, "") : line);
      blank = 0;
      continue;
    }
    const text = inString === null ? line.replace(/[ \t]+$/, "") : line;
    if (text === "") {
      if (++blank > 1) continue;
    } else blank = 0;
    out.push(text);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return `${out.join("\n")}\n`;
}

/** The multi-line string still open at the end of `line`, given the one open at its start. */
function scanLine(line: string, open: '"""' | "'''" | null): '"""' | "'''" | null {
  let i = 0;
  let cur = open;
  while (i < line.length) {
    if (cur) {
      if (cur === '"""' && line[i] === "\\") {
        i += 2;
        continue;
      }
      if (line.startsWith(cur, i)) {
        let j = i + 3;
        while (line[j] === cur[0]) j++; // up to two quotes may end the content
        cur = null;
        i = j;
        continue;
      }
      i++;
      continue;
    }
    const c = line[i];
    if (c === "#") return null;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      cur = line.slice(i, i + 3) as '"""' | "'''";
      i += 3;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === "\\" ? 2 : 1;
      i = j + 1;
      continue;
    }
    i++;
  }
  return cur;
}

/** Sorts one-line `key = value` entries of the [vars] table (with the comments above them). */
function sortVars(text: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^\s*\[vars\]\s*(#.*)?$/.test(l));
  if (start < 0) return text;
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++;
  const body = lines.slice(start + 1, end);
  let trailing = 0;
  while (trailing < body.length && body[body.length - 1 - trailing]!.trim() === "") trailing++;
  const content = body.slice(0, body.length - trailing);
  const entries: { key: string; lines: string[] }[] = [];
  let pending: string[] = [];
  for (const l of content) {
    if (/^\s*#/.test(l) || l.trim() === "") pending.push(l);
    else {
      const m = /^\s*("?)([^"=]+?)\1\s*=/.exec(l);
      // Multi-line values: leave the table as it is.
      if (!m || /"""|'''|\[\s*$|\{\s*$/.test(l)) return text;
      entries.push({ key: m[2]!.trim(), lines: [...pending, l] });
      pending = [];
    }
  }
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return [
    ...lines.slice(0, start + 1),
    ...sorted.flatMap((e) => e.lines),
    ...pending,
    ...body.slice(body.length - trailing),
    ...lines.slice(end),
  ].join("\n");
}
