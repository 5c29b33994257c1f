/** "Did you mean …?" for misspelt names (services, functions, plugins), by edit distance. */
import { distance } from "fastest-levenshtein";

/** The known name closest to `word`, or undefined when none is close enough to be a typo. */
export function didYouMean(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const max = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(w, name.toLowerCase());
    if (d <= max && d > 0 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}
