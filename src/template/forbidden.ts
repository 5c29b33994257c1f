/**
 * The names that would reach an object's prototype: refused in templates (sandbox.ts), in
 * `--map` keys and in `[vars]` (context.ts). Kept apart from sandbox.ts, which loads nunjucks,
 * so that a file that is not a template never loads it (issue 11).
 */

/** Names no template may read, bind or use as a key (also refused in --map / [vars]). */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

/** True when a dotted key (`a.b.c`) has a segment that would touch an object prototype. */
export function touchesPrototype(key: string): boolean {
  return key.split(".").some((p) => FORBIDDEN_NAMES.has(p.trim()));
}
