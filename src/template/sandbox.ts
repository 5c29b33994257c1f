/**
 * Template sandbox. nunjucks compiles templates to JavaScript that reaches values only through
 * a handful of runtime helpers (`memberLookup`, `contextOrFrameLookup`, `callWrap`,
 * `Frame.set`, `Context.setVariable`). nunjucks has no sandbox option, so we wrap those helpers
 * (hand-written because no maintained library sandboxes nunjucks): a template cannot read
 * `constructor`, `__proto__`, `prototype` or the legacy accessor helpers of anything, cannot
 * read members of functions (host objects such as `range`, `cycler`, `joiner`, macros, our
 * template functions), cannot call the Function constructors or `eval`, and cannot bind those
 * names with `set`, `macro`, `for` or `import`. A forbidden access is a Template error.
 *
 * The patch applies to the process-wide nunjucks runtime (clnrm is its only user here).
 */
import path from "node:path";
import nunjucks from "nunjucks";
import { CleanroomError } from "../core/errors.js";
import { FORBIDDEN_NAMES } from "./forbidden.js";

export { FORBIDDEN_NAMES, touchesPrototype } from "./forbidden.js";

const FUNCTION_CTORS: ReadonlySet<unknown> = new Set([
  Function,
  Object.getPrototypeOf(async () => {}).constructor,
  Object.getPrototypeOf(function* () {}).constructor,
  Object.getPrototypeOf(async function* () {}).constructor,
  Reflect.get(globalThis, "eval"),
]);

function refuse(what: string): never {
  throw new CleanroomError("Template", `templates cannot access ${what} (sandboxed)`, {
    hint: "templates may read variables, [vars], --map values and call clnrm's functions only",
  });
}

function checkName(name: unknown): void {
  if (typeof name !== "string" && typeof name !== "number")
    refuse(`a member through a ${typeof name} key`);
  const s = String(name);
  if (FORBIDDEN_NAMES.has(s) || s.split(".").some((p) => FORBIDDEN_NAMES.has(p)))
    refuse(`\`${s}\``);
}

interface Runtime {
  memberLookup(obj: unknown, val: unknown): unknown;
  contextOrFrameLookup(context: unknown, frame: unknown, name: string): unknown;
  callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown;
  Frame: { prototype: { set(name: string, val: unknown, resolveUp?: boolean): void } };
  __clnrmSandboxed?: boolean;
}

/** Installs the sandbox once; idempotent. */
export function installSandbox(): void {
  const rt = nunjucks.runtime as unknown as Runtime;
  if (rt.__clnrmSandboxed) return;
  const memberLookup = rt.memberLookup;
  const contextOrFrameLookup = rt.contextOrFrameLookup;
  const callWrap = rt.callWrap;
  const frameSet = rt.Frame.prototype.set;
  rt.memberLookup = (obj, val) => {
    checkName(val);
    if (typeof obj === "function") refuse(`members of a function (\`.${String(val)}\`)`);
    return memberLookup(obj, val);
  };
  rt.contextOrFrameLookup = (context, frame, name) => {
    checkName(name);
    return contextOrFrameLookup(context, frame, name);
  };
  rt.callWrap = (obj, name, context, args) => {
    if (FUNCTION_CTORS.has(obj)) refuse(`the Function constructor (\`${name}\`)`);
    patchContext(context);
    return callWrap(obj, name, context, args);
  };
  rt.Frame.prototype.set = function (this: unknown, name, val, resolveUp) {
    checkName(name);
    return frameSet.call(this, name, val, resolveUp);
  };
  rt.__clnrmSandboxed = true;
  // Context is not exported by nunjucks: reach its prototype through one probe render.
  const env = new nunjucks.Environment(null, { autoescape: false });
  env.addGlobal("__probe", () => "");
  new nunjucks.Template("{{ __probe() }}", env, "probe", true).render({});
}

let contextPatched = false;
function patchContext(context: unknown): void {
  if (contextPatched || typeof context !== "object" || context === null) return;
  const proto = Object.getPrototypeOf(context) as {
    setVariable?: (name: string, val: unknown) => void;
    lookup?: (name: string) => unknown;
  };
  const setVariable = proto.setVariable;
  const lookup = proto.lookup;
  if (typeof setVariable !== "function" || typeof lookup !== "function") return;
  proto.setVariable = function (this: unknown, name, val) {
    checkName(name);
    return setVariable.call(this, name, val);
  };
  proto.lookup = function (this: unknown, name) {
    checkName(name);
    return lookup.call(this, name);
  };
  contextPatched = true;
}

/** import/include read only files in the test's directory or below it. */
export function insideDir(dir: string, full: string): boolean {
  const rel = path.relative(dir, full);
  return rel === "" || !(rel.startsWith("..") || path.isAbsolute(rel));
}

export function outsideDir(name: string, dir: string): CleanroomError {
  return new CleanroomError(
    "Template",
    `template "${name}" is outside the test's directory (${dir}); import/include only ` +
      "read files next to the test or below it",
  );
}
