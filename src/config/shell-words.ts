/**
 * Splits a `run` string into argv the way a POSIX shell splits words, without running a
 * shell: quotes group, backslash escapes (not inside single quotes), blanks separate.
 * Compatible with upstream `parse_shell_command`, except that newlines also separate words.
 */
import { CleanroomError } from "../core/errors.js";

export function shellWords(input: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  const s = input.trim();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote)
    throw new CleanroomError(
      "Configuration",
      `unbalanced ${quote === "'" ? "single" : "double"} quote`,
    );
  if (inWord) words.push(cur);
  if (words.length === 0) throw new CleanroomError("Configuration", "empty command");
  return words;
}
