/**
 * nunjucks re-creates errors thrown while a template runs as plain Errors (only the message
 * survives). Code called from templates notes its CleanroomError here so the renderer can
 * recover its kind and hint.
 */
import type { CleanroomError } from "../core/errors.js";

let last: CleanroomError | undefined;

export function thrown<E extends CleanroomError>(e: E): E {
  last = e;
  return e;
}

/** The noted error whose message `text` carries, consumed. */
export function takeThrown(text: string): CleanroomError | undefined {
  const e = last;
  last = undefined;
  return e && text.includes(e.message) ? e : undefined;
}
