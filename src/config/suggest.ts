/** "Did you mean …?" for misspelt keys: the closest known name by Levenshtein distance. */
import { distance } from "fastest-levenshtein";

/** How far a misspelling may be from the name it was meant to be (scaled by length). */
function maxDistance(word: string): number {
  return word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
}

/** The known name closest to `word`, or undefined when none is close enough to be a typo. */
export function closestName(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(w, name.toLowerCase());
    // A plural or singular of a known name (`spans` for `span`) and swapped letters (`evn` for
    // `env`, two edits for Levenshtein) are typo candidates too.
    const near =
      d <= maxDistance(word) ||
      w === `${name}s` ||
      `${w}s` === name ||
      (w.length === name.length &&
        [...w].sort().join("") === [...name.toLowerCase()].sort().join(""));
    if (near && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}
