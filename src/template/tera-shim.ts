/**
 * Tera compatibility for nunjucks. No maintained Tera implementation exists on npm
 * (toolchain.md Q4), so this layer rewrites the few Tera-only constructs inside
 * `{{ }}` / `{% %}` tags into nunjucks syntax without changing line numbers:
 *   ns::macro(   -> ns.macro(        self::macro( -> macro(
 *   env(         -> __fn_env(        (functions and variables live in separate namespaces in Tera)
 *   endmacro foo -> endmacro          set_global -> set        `backtick strings` -> "..."
 *   pair.0       -> pair[0]
 * String literals, comments and {% raw %} blocks are left untouched.
 */
export function preprocessTera(source: string, functionNames: ReadonlySet<string>): string {
  let out = "";
  let i = 0;
  const n = source.length;
  while (i < n) {
    const open = source.indexOf("{", i);
    if (open < 0 || open + 1 >= n) {
      out += source.slice(i);
      break;
    }
    const next = source[open + 1];
    if (next !== "{" && next !== "%" && next !== "#") {
      out += source.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    out += source.slice(i, open);
    const close = next === "{" ? "}}" : next === "%" ? "%}" : "#}";
    const end = findTagEnd(source, open + 2, close);
    if (end < 0) {
      out += source.slice(open); // unterminated tag: let nunjucks report it with its position
      break;
    }
    const body = source.slice(open + 2, end);
    if (next === "#") {
      out += source.slice(open, end + 2);
    } else if (next === "%" && /^\s*-?\s*raw\s*-?\s*$/.test(body)) {
      const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
      endRaw.lastIndex = end + 2;
      const m = endRaw.exec(source);
      const stop = m ? m.index + m[0].length : n;
      out += source.slice(open, stop);
      i = stop;
      continue;
    } else if (next === "{" && onCommentLine(source, open)) {
      out += `{{${keepLiteralIfUndefined(body, source.slice(open, end + 2), functionNames)}}}`;
    } else {
      out += source.slice(open, open + 2) + rewriteCode(body, functionNames) + close;
    }
    i = end + 2;
  }
  return out;
}

/** True when the tag starts on a TOML comment line (`# …`). */
function onCommentLine(s: string, at: number): boolean {
  const lineStart = s.lastIndexOf("\n", at - 1) + 1;
  return /^\s*#/.test(s.slice(lineStart, at));
}

/**
 * Inside TOML comments, an expression whose value is undefined is kept as written
 * instead of failing the render: upstream files document `{{ vars.name }}` in comments.
 */
function keepLiteralIfUndefined(body: string, original: string, fns: ReadonlySet<string>): string {
  const m = /^(-?)([\s\S]*?)(-?)$/.exec(body)!;
  return `${m[1]} (${rewriteCode(m[2]!, fns)}) | __or_literal(${JSON.stringify(original)}) ${m[3]}`;
}

function findTagEnd(s: string, from: number, close: string): number {
  let quote: string | null = null;
  for (let j = from; j < s.length - 1; j++) {
    const c = s[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = null;
      continue;
    }
    if (close !== "#}" && (c === '"' || c === "'" || c === "`")) quote = c;
    else if (c === close[0] && s[j + 1] === close[1]) return j;
  }
  return -1;
}

function rewriteCode(body: string, fns: ReadonlySet<string>): string {
  let out = "";
  let code = "";
  const flush = (): void => {
    out += rewriteSegment(code, fns);
    code = "";
  };
  for (let j = 0; j < body.length; j++) {
    const c = body[j];
    if (c === '"' || c === "'" || c === "`") {
      flush();
      let k = j + 1;
      while (k < body.length && body[k] !== c) k += body[k] === "\\" ? 2 : 1;
      const inner = body.slice(j + 1, k);
      out += c === "`" ? JSON.stringify(inner) : c + inner + c;
      j = k;
    } else code += c;
  }
  flush();
  return out;
}

function rewriteSegment(code: string, fns: ReadonlySet<string>): string {
  return (
    code
      .replace(/\bself::(\w+)/g, "$1")
      .replace(/\b(\w+)::(\w+)/g, "$1.$2")
      .replace(/^(\s*-?\s*endmacro)\s+\w+/, "$1")
      .replace(/^(\s*-?\s*)set_global\b/, "$1set")
      // Tera's numeric index `pair.0` is `pair[0]` in nunjucks (`p.0.1` too: nunjucks lexes
      // `0.1` as one number, so the digits after the name are split on dots).
      .replace(/(?<![\w.])([A-Za-z_]\w*)((?:\.(?:\d+|[A-Za-z_]\w*))*\.\d+)(?![\w])/g, numericIndex)
      .replace(
        /(^|[^\w.])([A-Za-z_]\w*)(\s*\()/g,
        (m, pre: string, name: string, paren: string, at: number, all: string) =>
          fns.has(name) && !isFilterPosition(all, at + pre.length)
            ? `${pre}__fn_${name}${paren}`
            : m,
      )
  );
}

function numericIndex(_m: string, base: string, rest: string): string {
  return base + rest.replace(/\.(\d+)/g, "[$1]");
}

/** True when the identifier at `at` follows a `|`, i.e. it is a filter, not a function call. */
function isFilterPosition(code: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && /\s/.test(code[k] ?? "")) k--;
  return code[k] === "|";
}

/** Keyword arguments as nunjucks passes them: a trailing object marked `__keywords`. */
export type Kwargs = Record<string, unknown> & { __keywords?: true };

export function isKwargs(v: unknown): v is Kwargs {
  return typeof v === "object" && v !== null && (v as Kwargs).__keywords === true;
}

/**
 * Splits nunjucks call arguments into named values: positional arguments take the
 * names in `names` in order, keyword arguments override by name.
 */
export function namedArgs(
  names: readonly string[],
  args: readonly unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (isKwargs(last)) {
    positional = args.slice(0, -1);
    for (const [k, v] of Object.entries(last)) if (k !== "__keywords") out[k] = v;
  }
  positional.forEach((v, idx) => {
    const name = names[idx];
    if (name !== undefined && !(name in out)) out[name] = v;
  });
  return out;
}
