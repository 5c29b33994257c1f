/** TOML formatting: @taplo/lib keeps comments and order; keys inside [vars] are then sorted. */
import { isTemplate } from "../../template/render.js";
import { parseToml } from "../../config/toml.js";

type TaploInstance = { format(src: string, opts: { options: Record<string, unknown> }): string };
let taplo: TaploInstance | undefined;

/** The formatted text, or undefined for templates (they are not TOML until rendered). */
export async function formatToml(src: string, file: string): Promise<string | undefined> {
  if (isTemplate(src, file)) return undefined;
  parseToml(src, file); // refuse to format invalid TOML; the error names file:line:col
  // Imported here, not at the top: taplo costs ~0.8 s and ~280 MB, and only `fmt`/`init` use it.
  taplo ??= await (
    (await import("@taplo/lib")).default as unknown as {
      Taplo: { initialize(): Promise<TaploInstance> };
    }
  ).Taplo.initialize();
  const out = taplo.format(src, {
    options: {
      reorderKeys: false,
      alignComments: false,
      arrayAutoCollapse: false,
      allowedBlankLines: 1,
    },
  });
  return sortVars(out);
}

/** Sorts one-line `key = value` entries of the [vars] table (with the comments above them). */
export function sortVars(text: string): string {
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
      if (!m || /"""|'''|\[\s*$|\{\s*$/.test(l)) return text; // multi-line values: leave the table as it is
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
