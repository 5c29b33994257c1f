/**
 * `[matrix]`: the cartesian product of its arrays. The file is rendered once per combination
 * with `matrix.<key>` bound; reading a key the table does not have is an error (as for any
 * undefined variable), also where nunjucks would iterate over nothing (`{% for %}`).
 */
import { CleanroomError } from "../core/errors.js";
import { readStaticSection } from "./context.js";
import { thrown } from "./thrown.js";

export type MatrixCombo = Readonly<Record<string, unknown>>;

/** The combinations of the document's static `[matrix]` table (none when it has no table). */
export function matrixCombinations(source: string): MatrixCombo[] {
  const table = readStaticSection(source, "matrix");
  const keys = Object.keys(table).filter((k) => Array.isArray(table[k]));
  if (keys.length === 0) return [];
  let combos: Record<string, unknown>[] = [{}];
  for (const k of keys)
    combos = combos.flatMap((c) => (table[k] as unknown[]).map((v) => ({ ...c, [k]: v })));
  return combos;
}

/** `[os=alpine,node=20]`: the suffix a combination adds to the test's name. */
export function matrixLabel(combo: MatrixCombo): string {
  return `[${Object.entries(combo)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(",")}]`;
}

const PASS_THROUGH = new Set(["__keywords", "toJSON", "then", "length", "constructor"]);

/** The `matrix` context value: the combination, erroring on keys it does not have. */
export function strictMatrix(combo: MatrixCombo | undefined): Record<string, unknown> {
  const target: Record<string, unknown> = { ...(combo ?? {}) };
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "symbol" || PASS_THROUGH.has(prop) || prop in Object.prototype)
        return Reflect.get(t, prop);
      if (!Object.hasOwn(t, prop)) {
        const keys = Object.keys(t);
        throw thrown(
          new CleanroomError("Template", `variable \`matrix.${prop}\` is not defined`, {
            hint: keys.length
              ? `[matrix] has: ${keys.join(", ")}`
              : `declare it: [matrix] ${prop} = ["a", "b"] (the file is run once per value)`,
          }),
        );
      }
      return t[prop];
    },
  });
}
