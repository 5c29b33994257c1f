/**
 * Positions in a rendered template mapped back to the user's file. A macro call or a loop
 * renders to more lines than it was written in, so a TOML or schema error found in the rendered
 * text must not be reported at the rendered line number. Lines that survive rendering unchanged
 * are aligned (longest common subsequence); a rendered line that no source line produced verbatim
 * belongs to the template tag written between its aligned neighbours.
 * Hand-written: a line alignment is ~30 lines and no dependency here offers one.
 */
export interface MappedLine {
  readonly line: number;
  /** The rendered line is the source line itself (columns carry over). */
  readonly exact: boolean;
}

/** The largest alignment table computed (rendered × source lines); beyond it lines map as-is. */
const MAX_CELLS = 4_000_000;

export function renderedLineMap(source: string, rendered: string): (line: number) => MappedLine {
  const src = source.split("\n").map((l) => l.trimEnd());
  const out = rendered.split("\n").map((l) => l.trimEnd());
  if (src.join("\n") === out.join("\n") || src.length * out.length > MAX_CELLS)
    return (line) => ({ line, exact: true });
  const n = out.length;
  const m = src.length;
  // lcs[i][j]: the longest common subsequence of out[i..] and src[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        out[i] === src[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const match = new Int32Array(n).fill(-1);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (out[i] === src[j]) match[i++] = j++;
    else if (lcs[i + 1]![j]! > lcs[i]![j + 1]!)
      i++; // ties: keep the earliest rendered line
    else j++;
  }
  return (line) => {
    const r = line - 1;
    if (r < 0 || r >= n) return { line, exact: false };
    if (match[r]! >= 0) return { line: match[r]! + 1, exact: true };
    let before = -1;
    for (let k = r - 1; k >= 0; k--)
      if (match[k]! >= 0) {
        before = match[k]!;
        break;
      }
    let after = m;
    for (let k = r + 1; k < n; k++)
      if (match[k]! >= 0) {
        after = match[k]!;
        break;
      }
    // the first written source line that did not survive rendering: the tag that wrote this line
    let tag = -1;
    for (let j = before + 1; j < after && tag < 0; j++) if (src[j]!.trim() !== "") tag = j;
    // only blank lines in between: the output belongs to the nearest tag above
    for (let j = before; j >= 0 && tag < 0; j--) if (/\{\{|\{%/.test(src[j]!)) tag = j;
    return { line: Math.min(Math.max(tag, 0), m - 1) + 1, exact: false };
  };
}
