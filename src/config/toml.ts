/**
 * TOML parsing (smol-toml) with errors a user can act on: file:line:col, the line, a caret, a hint.
 */
import { parse, TomlError } from "smol-toml";
import { CleanroomError } from "../core/errors.js";

export type TomlTable = Record<string, unknown>;

export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text, { integersAsBigInt: "asNeeded" }) as TomlTable;
  } catch (e) {
    if (!(e instanceof TomlError))
      throw new CleanroomError("Configuration", `cannot parse ${file}: ${String(e)}`, {
        context: { file },
      });
    const line = e.line;
    const column = e.column;
    const lineText = text.split("\n")[line - 1] ?? "";
    const message = e.message.split("\n")[0]!.replace(/^Invalid TOML document:\s*/, "");
    return failWith(message, lineText, { file, line, column }, text);
  }
}

function failWith(
  message: string,
  lineText: string,
  at: { file: string; line: number; column: number },
  text: string,
): never {
  const gutter = String(at.line);
  const caret = `${" ".repeat(Math.max(0, at.column - 1))}^`;
  const codeFrame = `${gutter} | ${lineText}\n${" ".repeat(gutter.length)} | ${caret}`;
  throw new CleanroomError("Configuration", `invalid TOML: ${message}`, {
    context: { ...at, codeFrame },
    hint: hintFor(lineText, message, text),
  });
}

/** Hints for mistakes seen in real clnrm files. */
export function hintFor(lineText: string, message: string, _text: string): string | undefined {
  const code = stripStrings(lineText);
  if (/;\s*[A-Za-z_"'][\w."'-]*\s*=/.test(code))
    return (
      "TOML needs one `key = value` per line: " +
      "split the `;`-separated pairs onto separate lines"
    );
  if (/\{\{|\{%/.test(lineText))
    return (
      "this line holds an unrendered template expression: " +
      "name the file *.clnrm.toml.tera or run `clnrm render` first"
    );
  if (/=\s*\{[^}]*$/.test(code))
    return "an inline table must stay on one line in TOML 1.0; use a [table] section instead";
  if (/redefine/.test(message))
    return "a key or table is defined twice; remove or rename one of them";
  if (/^\s*\[[^\]]*$/.test(lineText)) return "a table header needs its closing `]`";
  return undefined;
}

function stripStrings(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""');
}
