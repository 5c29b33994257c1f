/**
 * bench/RESULTS.md holds generated blocks (tables a benchmark run rewrites) and the analysis
 * written around them by hand, which a run must never lose.
 */

/** `doc` with the generated block `name` replaced by `body` (appended when it has none). */
export function replaceBlock(doc: string, name: string, body: string): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end, a);
  if (a < 0 || b < 0) return `${doc.trimEnd()}\n\n${block}\n`;
  return doc.slice(0, a) + block + doc.slice(b + end.length);
}
