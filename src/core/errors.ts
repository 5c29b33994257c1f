/**
 * The one error type of clnrm. Infrastructure and input problems are thrown as a
 * CleanroomError; unmet expectations are Findings (see validate/), never errors.
 */
export const ERROR_KINDS = [
  "Configuration",
  "Template",
  "Container",
  "Service",
  "Validation",
  "Timeout",
  "Network",
  "Io",
  "Serialization",
  "Internal",
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Where an error happened, as far as it is known. Every field is optional. */
export interface ErrorContext {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly keyPath?: string;
  readonly containerId?: string;
  readonly service?: string;
  readonly rule?: string;
  /** The offending source line with a caret under the column, when known. */
  readonly codeFrame?: string;
}

export interface CleanroomErrorOptions {
  readonly context?: ErrorContext;
  readonly hint?: string;
  readonly cause?: unknown;
}

export class CleanroomError extends Error {
  readonly kind: ErrorKind;
  readonly context: ErrorContext;
  readonly hint?: string;
  readonly timestamp: string;

  constructor(kind: ErrorKind, message: string, options: CleanroomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CleanroomError";
    this.kind = kind;
    this.context = options.context ?? {};
    this.hint = options.hint;
    this.timestamp = new Date().toISOString();
  }

  /** Returns a copy with more context; fields already present win over the new ones. */
  withContext(extra: ErrorContext): CleanroomError {
    const merged = new CleanroomError(this.kind, this.message, {
      context: { ...extra, ...this.context },
      hint: this.hint,
      cause: this.cause,
    });
    return merged;
  }

  /** `file:line:col` when known, else the file, else undefined. */
  location(): string | undefined {
    const { file, line, column } = this.context;
    if (!file) return undefined;
    if (line === undefined) return file;
    return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  }

  /** The service and (short) container id, each only when the message does not already name it. */
  unstatedTarget(): { readonly service?: string; readonly container?: string } {
    const { service, containerId } = this.context;
    return {
      service: service && !this.message.includes(`"${service}"`) ? service : undefined,
      container: containerId?.slice(0, 12),
    };
  }

  /** The message a user sees: one block, no stack trace. */
  format(): string {
    const loc = this.location();
    const head = `${this.kind} error${loc ? ` in ${loc}` : ""}: ${this.message}`;
    const parts = [head];
    const { service, container } = this.unstatedTarget();
    if (this.context.keyPath && !this.message.includes(this.context.keyPath))
      parts.push(`  at key: ${this.context.keyPath}`);
    if (service) parts.push(`  service: ${service}`);
    if (container) parts.push(`  container: ${container}`);
    if (this.context.codeFrame) parts.push(this.context.codeFrame.replace(/^/gm, "  "));
    if (this.hint) parts.push(`  hint: ${this.hint}`);
    return parts.join("\n");
  }

  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      message: this.message,
      context: this.context,
      hint: this.hint,
      timestamp: this.timestamp,
    };
  }
}

/** Wraps anything thrown into a CleanroomError of the given kind, keeping existing ones. */
export function asCleanroomError(
  e: unknown,
  kind: ErrorKind,
  message?: string,
  context?: ErrorContext,
): CleanroomError {
  if (e instanceof CleanroomError) return context ? e.withContext(context) : e;
  const detail = e instanceof Error ? e.message : String(e);
  return new CleanroomError(kind, message ? `${message}: ${detail}` : detail, {
    context,
    cause: e,
  });
}

/** Exit codes of the CLI (in the README; which error gets which: src/core/exit-codes.ts). */
export const EXIT = {
  ok: 0,
  testFailed: 1,
  usage: 2,
  infrastructure: 3,
  interrupted: 130,
} as const;
