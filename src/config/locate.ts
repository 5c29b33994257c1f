/**
 * Best-effort mapping from a key path (`scenario[1].service`) to a line and column of the TOML
 * text, so schema errors can name file:line:col. TOML parsers do not keep positions, hence by hand.
 */
export interface KeyPosition {
  readonly line: number;
  /** 1-based column of the key (or of the last name in a table header). */
  readonly column?: number;
}

export function locateKeyPath(source: string, keyPath: string): number | undefined {
  return locateKey(source, keyPath)?.line;
}

export function locateKey(source: string, keyPath: string): KeyPosition | undefined {
  const lines = source.split("\n");
  // Segments split on dots outside quotes (`attrs.all."cascade.depth"` has three).
  const segs = (keyPath.replace(/\[(\d+)\]/g, ".#$1").match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? [])
    .map((p) => p.replace(/^"|"$/g, ""))
    .filter(Boolean);
  // Find the innermost table header that is a prefix of the path, honouring array indexes.
  let headerLine = -1;
  let consumed = 0;
  for (let depth = segs.length; depth > 0 && headerLine < 0; depth--) {
    const prefix = segs.slice(0, depth);
    const idxPos = prefix.findIndex((p) => p.startsWith("#"));
    const names = prefix.filter((p) => !p.startsWith("#"));
    if (names.length === 0) break;
    const wanted = names.join(".");
    const occurrence = idxPos >= 0 ? Number(prefix[idxPos]!.slice(1)) : 0;
    let seen = 0;
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?/.exec(lines[i]!);
      if (m && m[1]!.replace(/["'\s]/g, "") === wanted) {
        if (seen === occurrence) {
          headerLine = i;
          consumed = depth;
          break;
        }
        seen++;
      }
    }
  }
  const at = (i: number, name: string | undefined): KeyPosition => {
    const col = name === undefined ? -1 : lines[i]!.lastIndexOf(name);
    return { line: i + 1, column: col >= 0 ? col + 1 : undefined };
  };
  const named = segs.filter((p) => !p.startsWith("#"));
  const rest = segs.slice(consumed).filter((p) => !p.startsWith("#"));
  const key = rest[0];
  if (key === undefined) return headerLine >= 0 ? at(headerLine, named.at(-1)) : undefined;
  const keyRe = new RegExp(`^(\\s*["']?)${escapeRe(key)}["']?\\s*(=|\\.)`);
  for (let i = headerLine + 1; i < lines.length; i++) {
    if (i > headerLine + 1 && headerLine >= 0 && /^\s*\[/.test(lines[i]!)) break;
    const m = keyRe.exec(lines[i]!);
    if (!m) continue;
    const at = innerKeyLine(lines, i, rest.slice(1));
    // The column of the key itself when it is on this line (not inside a multi-line value).
    return at === i ? { line: i + 1, column: m[1]!.length + 1 } : { line: at + 1 };
  }
  // Inline forms such as `env={ "K"="v" }` on the header's key line.
  for (let i = Math.max(0, headerLine); i < lines.length; i++) {
    const col = lines[i]!.indexOf(key);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  return headerLine >= 0 ? { line: headerLine + 1 } : undefined;
}

/**
 * Inside a value written over several lines (a multi-line inline table), the line of the
 * innermost key of `inner`, searched until the next table header; else `from`.
 */
function innerKeyLine(lines: readonly string[], from: number, inner: readonly string[]): number {
  const last = inner[inner.length - 1];
  if (last === undefined) return from;
  const re = new RegExp(`(^|[{,\\s])["']?${escapeRe(last.replace(/^"|"$/g, ""))}["']?\\s*=`);
  if (re.test(lines[from]!.slice(lines[from]!.indexOf("=") + 1))) return from;
  for (let i = from + 1; i < lines.length && !/^\s*\[/.test(lines[i]!); i++)
    if (re.test(lines[i]!)) return i;
  return from;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
