/**
 * "Did you mean …?" for misspelt names (services, functions, plugins, keys), by edit distance.
 * A plural or singular of a known name (`spans` for `span`) and swapped letters (`evn` for
 * `env`, two edits for Levenshtein) count as typos too.
 */
import { distance } from "fastest-levenshtein";

/** The known name closest to `word`, or undefined when none is close enough to be a typo. */
export function didYouMean(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const max = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  const letters = (s: string): string => [...s].sort().join("");
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const n = name.toLowerCase();
    const d = distance(w, n);
    const near = d <= max || w === `${n}s` || `${w}s` === n || letters(w) === letters(n);
    if (near && d > 0 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}
