/** Case transforms used by the slug/kebab/snake/camel/pascal functions and filters. */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}
export const kebabCase = (s: string): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join("-");
export const snakeCase = (s: string): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join("_");
export const camelCase = (s: string): string =>
  words(s)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join("");
export const pascalCase = (s: string): string =>
  words(s)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join("");
export const slug = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
