/** Indexes a span set once for all validators: by name, by id, children, name globs. */
import { type UserRegex, userRegex } from "../core/regex.js";
import type { Span } from "../telemetry/span.js";

/** A span's identity: ids are unique within a trace only, so a parent link is trace + span id. */
const idOf = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

export class TraceIndex {
  /** Spans by trace and span id (`idOf`). */
  readonly byId = new Map<string, Span>();
  readonly byName = new Map<string, Span[]>();
  constructor(readonly spans: readonly Span[]) {
    for (const s of spans) {
      this.byId.set(idOf(s.traceId, s.spanId), s);
      const l = this.byName.get(s.name);
      if (l) l.push(s);
      else this.byName.set(s.name, [s]);
    }
  }
  named(name: string): readonly Span[] {
    return this.byName.get(name) ?? [];
  }
  parentOf(s: Span): Span | undefined {
    return s.parentSpanId ? this.byId.get(idOf(s.traceId, s.parentSpanId)) : undefined;
  }
  /**
   * Spans whose name matches a glob (`*`, `?`, `[…]`); an exact name is a glob without wildcards.
   */
  matching(pattern: string): readonly Span[] {
    if (!/[*?[]/.test(pattern)) return this.named(pattern);
    const re = globToRegExp(pattern);
    return this.spans.filter((s) => re.test(s.name));
  }
}

/** Span-name globs: `*` any run of characters (dots included), `?` one character, `[…]` a class. */
function globToRegExp(pattern: string): UserRegex {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  // RE2 (linear time): `a*b*c*…` globs over long names cannot backtrack polynomially
  return userRegex(`^${re}$`, { dotAll: true, keyPath: `glob ${pattern}` });
}
