/**
 * Template errors as a user can act on them: nunjucks' errors mapped to the file (an imported
 * one when the error is there), line and column of the user's own text, with the excerpt, a
 * clean message and a hint.
 */
import fs from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { CleanroomError } from "../core/errors.js";
import { didYouMean } from "../core/suggest.js";
import { teraFilters } from "./filters.js";
import { templateFunctionNames } from "./functions.js";
import { BUILTIN_MACROS, BUILTIN_MACROS_NAME } from "./macros.js";
import { preprocessTera } from "./tera-shim.js";
import { takeThrown } from "./thrown.js";

/**
 * Maps a nunjucks error to a CleanroomError with file:line:col and, for undefined values, the
 * variable name. `source` is the user's text (excerpts show it, not the rewritten code); `pre`
 * is what nunjucks compiled (positions refer to it, and the shim keeps its line numbers).
 */
export function toTemplateError(
  e: unknown,
  source: string,
  file: string | undefined,
  pre: string = source,
): CleanroomError {
  const raw = e instanceof Error ? e.message : String(e);
  // nunjucks names the template the error happened in first: an imported file, maybe.
  const inFile = /^\((.+?)\)(?: \[Line|\n)/.exec(raw)?.[1];
  let where = file;
  let userText = source;
  let compiled = pre;
  if (inFile && file && inFile !== file && inFile !== "<template>" && fs.existsSync(inFile)) {
    where = inFile;
    userText = fs.readFileSync(inFile, "utf8");
    compiled = preprocessTera(userText, templateFunctionNames);
  } else if (inFile === BUILTIN_MACROS_NAME) {
    where = BUILTIN_MACROS_NAME;
    userText = BUILTIN_MACROS;
    compiled = preprocessTera(BUILTIN_MACROS, templateFunctionNames);
  }
  // An error inside an imported macro is reported (by nunjucks) under the importing file's
  // name with the macro file's position innermost: find the imported file it points into.
  const nested = [...raw.matchAll(/\[Line (\d+), Column (\d+)\]/g)];
  const imported =
    nested.length > 1 && file ? importedFile(source, file, nested.at(-1)!) : undefined;
  if (imported) {
    where = imported.file;
    userText = imported.text;
    compiled = preprocessTera(userText, templateFunctionNames);
  }
  let body = raw
    .replace(/^\(.*?\)\s*/, "")
    .replace(/\[Line \d+(?:, Column \d+)?\]\s*/g, "")
    .replace(/^Template render error:\s*/i, "")
    // nunjucks repeats the template's name, "(path)", before the wrapped error's own text
    .replace(/^\(.*?\)\s*/, "")
    .trim();
  // Errors thrown while the template runs (a function's own error, a JavaScript TypeError)
  // come through nunjucks' handleError with 0-based positions and "Name: " before the text.
  const wrapped = /^(\w*Error): /.exec(body);
  let pos = imported ? imported.pos : positionOf(raw);
  if (wrapped) {
    body = body.slice(wrapped[0].length);
    if (pos.line !== undefined) pos = { line: pos.line + 1, column: (pos.column ?? 0) + 1 };
  }
  if (e instanceof CleanroomError && pos.line === undefined) return e.withContext({ file });
  const cause = (e as { cause?: unknown }).cause ?? takeThrown(body);
  const kind = cause instanceof CleanroomError ? cause.kind : "Template";
  if (cause instanceof CleanroomError) body = cause.message;
  const named = /variable `([\w.]+)` is not defined/.exec(body)?.[1];
  if (pos.line === undefined && named) pos = firstUseOf(userText, named) ?? pos;
  if (pos.line === undefined) pos = locateBadTag(compiled);
  pos = { line: pos.line, column: mapColumn(compiled, userText, pos.line, pos.column) };
  let message = body.replace(/\b(Syntax|Type|Reference)?Error: /g, "").trim();
  if (/SyntaxError/.test(raw)) message = `this tag does not compile (${message})`;
  let hint: string | undefined = cause instanceof CleanroomError ? cause.hint : undefined;
  const call = /Unable to call `(?:__fn_)?([\w.]+)`, which is undefined/.exec(message);
  if (call) {
    const near = didYouMean(call[1]!, templateFunctionNames);
    const suggestion = near ? ` (did you mean \`${near}\`?)` : "";
    message = `unknown template function \`${call[1]}\`${suggestion}`;
  }
  const missing = /^template "([^"]+)" not found/.exec(message)?.[1];
  if (missing && pos.line === 1 && pos.column === 1) pos = importTagOf(userText, missing) ?? pos;
  const macroCall = /Unable to call `(\w+)\["(\w+)"\]`, which is undefined/.exec(message);
  if (macroCall) {
    const [, ns, name] = macroCall as unknown as [string, string, string];
    const known = macroNames(source, file);
    const near = didYouMean(name, known);
    const suggestion = near ? ` (did you mean \`${ns}::${near}\`?)` : "";
    message = `unknown macro \`${ns}::${name}\`${suggestion}`;
    hint = known.length ? `the imported library defines: ${known.join(", ")}` : undefined;
    const at = pos.line ? (userText.split("\n")[pos.line - 1] ?? "").indexOf(`${ns}::${name}`) : -1;
    if (at >= 0) pos = { line: pos.line, column: at + 1 };
  }
  const filter = /^filter not found: (\w+)/.exec(message)?.[1];
  if (filter) {
    // nunjucks names the filter but not where it is used: the first tag with `| name`
    const piped = new RegExp(`\\|\\s*${filter}\\b`);
    for (const tag of userText.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)) {
      const inTag = piped.exec(tag[0]);
      if (!inTag) continue;
      const at = tag.index + inTag.index;
      const before = userText.slice(0, at);
      pos = { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
      break;
    }
    const near = didYouMean(filter, Object.keys(teraFilters));
    message = `unknown filter \`${filter}\`${near ? ` (did you mean \`${near}\`?)` : ""}`;
    if (templateFunctionNames.has(filter))
      hint = `\`${filter}\` is a function here, not a filter: write ${filter}(…)`;
  }
  const tagText = pos.line ? tagAt(userText, pos.line, pos.column) : undefined;
  if (tagText && /^\{\{-?\s*-?\}\}$/.test(tagText)) {
    message = "empty template expression `{{ }}`";
    hint =
      "templates are rendered before TOML is read, comments included: " +
      'write {{ "{{ }}" }} for the literal text, or wrap it in {% raw %}…{% endraw %}';
  } else if (tagText?.includes('\\"')) {
    message = 'a `\\"` inside a template tag: the tag is read before TOML, where it is no escape';
    hint = "use single quotes inside the tag: {{ env(name='HOME') }}";
  }
  if (/expected end of comment/.test(message)) {
    pos = openerAt(userText, "{#") ?? pos;
    message = "`{#` opens a template comment that is never closed";
    hint =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${#VAR}, literally
      "a shell `${#VAR}` reads as a comment opener: " + "wrap shell code in {% raw %}…{% endraw %}";
  }
  if (/expected variable end/.test(message) && !hint)
    hint =
      'a literal "{{" (e.g. in shell code) opens a template expression: ' +
      'write {{ "{{" }}, or wrap the code in {% raw %}…{% endraw %}';
  if (/attempted to output null or undefined value/.test(message) && pos.line !== undefined) {
    const name = expressionAt(userText, pos.line, pos.column);
    message = name
      ? `variable \`${name}\` is not defined`
      : "a value in this expression is not defined";
    hint = name
      ? `define it in [vars], pass --map ${name.replace(/^vars\./, "")}=…, ` +
        `or write {{ ${name} | default(value="…") }}`
      : undefined;
  }
  const lineText = pos.line !== undefined ? userText.split("\n")[pos.line - 1] : undefined;
  const codeFrame =
    lineText !== undefined
      ? `${pos.line} | ${lineText}\n${" ".repeat(String(pos.line).length)} | ` +
        `${" ".repeat(Math.max(0, (pos.column ?? 1) - 1))}^`
      : undefined;
  return new CleanroomError(kind, message, {
    context: { file: where, ...pos, codeFrame },
    hint,
    cause: e,
  });
}

/** Where `name` is first used inside a `{{ }}` or `{% %}` tag. */
function firstUseOf(text: string, name: string): { line: number; column: number } | undefined {
  const re = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const i = m[0].search(new RegExp(`(?<![\\w.])${name.replace(/\./g, "\\.")}(?![\\w])`));
    if (i < 0) continue;
    const at = m.index + i;
    const before = text.slice(0, at);
    return { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
  }
  return undefined;
}

/** The file imported by `source` whose (line, column) holds a template tag, if any. */
function importedFile(
  source: string,
  file: string,
  at: RegExpMatchArray,
): { file: string; text: string; pos: { line: number; column: number } } | undefined {
  const line = Number(at[1]);
  const column = Number(at[2]);
  const names = [...source.matchAll(/\{%-?\s*(?:import|from|include)\s+["']([^"']+)["']/g)];
  for (const [, name] of names) {
    const full = path.resolve(path.dirname(path.resolve(file)), name!);
    const text = fs.existsSync(full)
      ? fs.readFileSync(full, "utf8")
      : path.basename(name!) === BUILTIN_MACROS_NAME
        ? BUILTIN_MACROS
        : undefined;
    if (text === undefined) continue;
    const lineText = text.split("\n")[line - 1] ?? "";
    if (/^\{[{%]/.test(lineText.slice(column - 1)))
      return {
        file: fs.existsSync(full) ? full : BUILTIN_MACROS_NAME,
        text,
        pos: { line, column },
      };
  }
  return undefined;
}

/** The `{{ … }}` or `{% … %}` tag of a line that holds `column` (or starts after it). */
function tagAt(text: string, line: number, column?: number): string | undefined {
  const lineText = text.split("\n")[line - 1] ?? "";
  const tags = [...lineText.matchAll(/\{\{.*?\}\}|\{%.*?%\}/g)];
  const col = (column ?? 1) - 1;
  const hit = tags.find((m) => m.index <= col && col < m.index + m[0].length) ?? tags[0];
  return hit?.[0];
}

/** Where the `{% import|from|include "name" %}` tag that names `name` is. */
function importTagOf(text: string, name: string): { line: number; column: number } | undefined {
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`\\{%-?\\s*(?:import|from|include)\\s+["']${quoted}["']`).exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  return { line: before.split("\n").length, column: m.index - before.lastIndexOf("\n") };
}

/** The macros that the files `source` imports define (the built-in library when not on disk). */
function macroNames(source: string, file: string | undefined): string[] {
  const names = new Set<string>();
  for (const [, name] of source.matchAll(/\{%-?\s*(?:import|from)\s+["']([^"']+)["']/g)) {
    const full = file ? path.resolve(path.dirname(path.resolve(file)), name!) : "";
    const text =
      full && fs.existsSync(full)
        ? fs.readFileSync(full, "utf8")
        : path.basename(name!) === BUILTIN_MACROS_NAME
          ? BUILTIN_MACROS
          : "";
    for (const [, m] of text.matchAll(/\{%-?\s*macro\s+(\w+)/g)) names.add(m!);
  }
  return [...names];
}

/** The position of the first `opener` that has no closer after it (an unclosed `{#`). */
function openerAt(text: string, opener: string): { line: number; column: number } | undefined {
  const close = opener === "{#" ? "#}" : opener === "{{" ? "}}" : "%}";
  let at = text.indexOf(opener);
  while (at >= 0) {
    const end = text.indexOf(close, at + 2);
    if (end < 0) {
      const before = text.slice(0, at);
      return { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
    }
    at = text.indexOf(opener, end + 2);
  }
  return undefined;
}

/**
 * A column of the rewritten line mapped to the user's line: the shim rewrites inside tags
 * only (`f(` → `__fn_f(`, `ns::m` → `ns.m`, comment-line wrapping), so the position keeps its
 * tag and its offset inside the tag, less what the rewrite inserted before it.
 */
function mapColumn(
  compiled: string,
  user: string,
  line: number | undefined,
  column: number | undefined,
): number | undefined {
  if (line === undefined || column === undefined) return column;
  const c = compiled.split("\n")[line - 1];
  const u = user.split("\n")[line - 1];
  if (c === undefined || u === undefined || c === u) return column;
  const tags = (t: string): number[] => [...t.matchAll(/\{[{%]/g)].map((m) => m.index);
  const ct = tags(c);
  const ut = tags(u);
  const idx = ct.filter((i) => i < column).length - 1;
  if (idx < 0 || ut[idx] === undefined) return Math.min(column, u.length + 1);
  const inside = c.slice(ct[idx], column - 1);
  const inserted = (inside.match(/__fn_/g)?.length ?? 0) * 5 + (/^\{\{-? \(/.test(inside) ? 2 : 0);
  const offset = Math.max(0, column - 1 - ct[idx]! - inserted);
  const tagEnd = u.indexOf(u[ut[idx]! + 1] === "{" ? "}}" : "%}", ut[idx]!);
  const max = tagEnd < 0 ? u.length : tagEnd;
  return Math.min(ut[idx]! + offset, max) + 1;
}

const BLOCK_END: Record<string, string> = {
  if: "endif",
  for: "endfor",
  macro: "endmacro",
  raw: "endraw",
  filter: "endfilter",
  call: "endcall",
  block: "endblock",
};

/**
 * When nunjucks gives no position (unterminated tags, errors in the JavaScript it generates),
 * find the first tag that does not compile on its own; else the first unterminated opener.
 */
function locateBadTag(source: string): { line?: number; column?: number } {
  const at = (index: number): { line: number; column: number } => {
    const before = source.slice(0, index);
    return { line: before.split("\n").length, column: index - before.lastIndexOf("\n") };
  };
  const env = new nunjucks.Environment(null, { autoescape: false });
  for (const [name, f] of Object.entries(teraFilters)) env.addFilter(name, f);
  const re = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const tag = m[0];
    const keyword = /^\{%-?\s*(\w+)/.exec(tag)?.[1];
    if (
      keyword &&
      (keyword.startsWith("end") ||
        ["else", "elif", "elseif", "import", "from", "include", "extends"].includes(keyword))
    ) {
      if (!["import", "from", "include"].includes(keyword)) continue;
    }
    const probe = keyword && BLOCK_END[keyword] ? `${tag}{% ${BLOCK_END[keyword]} %}` : tag;
    try {
      nunjucks.compile(probe, env);
      new nunjucks.Template(probe, env, "probe", true);
    } catch {
      return at(m.index);
    }
  }
  const open = /\{[{%#](?![\s\S]*?[}%#]\})/.exec(source);
  return open ? at(open.index) : { line: 1, column: 1 };
}

function positionOf(msg: string): { line?: number; column?: number } {
  const m = /\[Line (\d+), Column (\d+)\]/.exec(msg);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : {};
}

/** The `{{ … }}` expression at (or nearest after) a position, reduced to its variable name. */
function expressionAt(source: string, line: number, column?: number): string | undefined {
  const text = source.split("\n")[line - 1] ?? "";
  const re = /\{\{-?\s*([A-Za-z_][\w.]*)/g;
  let best: string | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (best === undefined || column === undefined || m.index <= column) best = m[1];
  }
  return best;
}
