/**
 * The template functions of clnrm (reference-behaviour.md §3.4). Every function takes
 * named arguments; every random one is deterministic given `seed=` or `[determinism] seed`,
 * and every clock one honours a frozen clock.
 */
import { createHash } from "node:crypto";
import type { Faker } from "@faker-js/faker";
import { CleanroomError } from "../core/errors.js";
import {
  mixSeed,
  mulberry32,
  randomHex,
  randomInt,
  ulid,
  uuidV4,
  uuidV7,
  type Rng,
} from "./random.js";
import { fakeFunctions } from "./fake.js";
import { tomlEncode } from "./toml-encode.js";
import { kebabCase, slug, snakeCase } from "./case.js";

/** Per-render state shared by the functions. */
export interface TemplateRuntime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly frozenClockMs?: number;
  readonly seed?: number;
  readonly faker?: Faker;
  callIndex: number;
  readonly seqs: Map<string, number>;
}

export type TemplateFunction = (args: Record<string, unknown>, rt: TemplateRuntime) => unknown;

export function nowMs(rt: TemplateRuntime): number {
  return rt.frozenClockMs ?? Date.now();
}

/**
 * The RNG for one call: `seed=` wins, then the run seed mixed with the call index, then entropy.
 */
export function rngFor(args: Record<string, unknown>, rt: TemplateRuntime): Rng {
  const call = rt.callIndex++;
  if (args.seed !== undefined && args.seed !== null) return mulberry32(toInt(args.seed, "seed"));
  if (rt.seed !== undefined) return mulberry32(mixSeed(rt.seed, call));
  return mulberry32(Math.floor(Math.random() * 2 ** 32));
}

export function toInt(v: unknown, name: string): number {
  const n =
    typeof v === "bigint" ? Number(v) : typeof v === "string" ? Number(v.trim()) : Number(v);
  if (!Number.isFinite(n))
    throw new CleanroomError(
      "Template",
      `argument ${name} must be a number, got ${JSON.stringify(v)}`,
    );
  return Math.floor(n);
}

function requireArg(args: Record<string, unknown>, name: string, fn: string): unknown {
  if (args[name] === undefined)
    throw new CleanroomError("Template", `${fn}() needs the argument ${name}=…`);
  return args[name];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function list(v: unknown, fn: string): unknown[] {
  if (!Array.isArray(v))
    throw new CleanroomError("Template", `${fn}() needs list=[…], got ${JSON.stringify(v)}`);
  return v;
}

const core: Record<string, TemplateFunction> = {
  env: (a, rt) => {
    const name = str(requireArg(a, "name", "env"));
    const v = rt.env[name];
    if (v === undefined) {
      if (a.default !== undefined) return a.default;
      throw new CleanroomError("Template", `environment variable ${name} is not set`, {
        hint: `set it, or write env(name="${name}", default="…")`,
      });
    }
    return v;
  },
  get_env: (a, rt) => rt.env[str(requireArg(a, "name", "get_env"))] ?? a.default ?? "",
  now_rfc3339: (_a, rt) => rfc3339(nowMs(rt)),
  now_unix: (_a, rt) => Math.floor(nowMs(rt) / 1000),
  now_ms: (_a, rt) => nowMs(rt),
  now_plus: (a, rt) =>
    rfc3339(nowMs(rt) + toInt(requireArg(a, "seconds", "now_plus"), "seconds") * 1000),
  date_rfc3339: (a, rt) =>
    rfc3339(nowMs(rt) + toInt(a.offset_seconds ?? 0, "offset_seconds") * 1000),
  now: (_a, rt) => rfc3339(nowMs(rt)),
  sha256: (a) =>
    createHash("sha256")
      .update(str(requireArg(a, "s", "sha256")))
      .digest("hex"),
  toml_encode: (a) => tomlEncode(requireArg(a, "value", "toml_encode")),
  uuid_v4: (a, rt) => uuidV4(rngFor(a, rt)),
  fake_uuid: (a, rt) => uuidV4(rngFor(a, rt)),
  fake_uuid_seeded: (a, rt) => uuidV4(rngFor(a, rt)),
  uuid_v7: (a, rt) => uuidV7(rngFor(a, rt), nowMs(rt)),
  uuid_v5: (a) =>
    uuidV5(str(requireArg(a, "ns", "uuid_v5")), str(requireArg(a, "name", "uuid_v5"))),
  ulid: (a, rt) => ulid(rngFor(a, rt), nowMs(rt)),
  rand_hex: (a, rt) => randomHex(rngFor(a, rt), toInt(a.n ?? 16, "n")),
  trace_id: (a, rt) => randomHex(rngFor(a, rt), 32),
  span_id: (a, rt) => randomHex(rngFor(a, rt), 16),
  traceparent: (a, rt) => {
    const rng = rngFor(a, rt);
    const trace = a.trace_id ? str(a.trace_id) : randomHex(rng, 32);
    const span = a.span_id ? str(a.span_id) : randomHex(rng, 16);
    return `00-${trace}-${span}-${toInt(a.sampled ?? 1, "sampled")
      .toString(16)
      .padStart(2, "0")}`;
  },
  baggage: (a) =>
    Object.entries((requireArg(a, "map", "baggage") as Record<string, unknown>) ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(str(v))}`)
      .join(","),
  seq: (a, rt) => {
    const name = str(requireArg(a, "name", "seq"));
    const cur = rt.seqs.get(name) ?? toInt(a.start ?? 0, "start");
    rt.seqs.set(name, cur + toInt(a.step ?? 1, "step"));
    return cur;
  },
  pick: (a, rt) => {
    const l = list(a.list, "pick");
    if (l.length === 0) throw new CleanroomError("Template", "pick() needs a non-empty list");
    return l[randomInt(rngFor(a, rt), 0, l.length)];
  },
  weighted: (a, rt) => {
    const pairs = list(a.pairs, "weighted") as [unknown, number][];
    const total = pairs.reduce((s, p) => s + Number(p[1]), 0);
    let r = rngFor(a, rt)() * total;
    for (const [v, w] of pairs) {
      r -= Number(w);
      if (r < 0) return v;
    }
    return pairs[pairs.length - 1]?.[0];
  },
  shuffle: (a, rt) => shuffle([...list(a.list, "shuffle")], rngFor(a, rt)),
  sample: (a, rt) => {
    const l = list(a.list, "sample");
    const k = toInt(a.k ?? 1, "k");
    if (k > l.length)
      throw new CleanroomError("Template", `sample() k=${k} is larger than the list (${l.length})`);
    return shuffle([...l], rngFor(a, rt)).slice(0, k);
  },
  slug: (a) => slug(str(requireArg(a, "s", "slug"))),
  kebab: (a) => kebabCase(str(requireArg(a, "s", "kebab"))),
  snake: (a) => snakeCase(str(requireArg(a, "s", "snake"))),
  range: (a) => {
    const start = toInt(a.start ?? 0, "start");
    const end = toInt(requireArg(a, "end", "range"), "end");
    const step = toInt(a.step_by ?? 1, "step_by");
    const out: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
    return out;
  },
  throw: (a) => {
    throw new CleanroomError("Template", str(a.message ?? "throw() called"));
  },
};

function shuffle<T>(arr: T[], rng: Rng): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [arr[i], arr[j]] = [arr[j]!, arr[i]!];
  }
  return arr;
}

/** RFC 9562 version-5 (SHA-1, name-based) UUID. */
function uuidV5(ns: string, name: string): string {
  const nsHex = ns.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(nsHex))
    throw new CleanroomError("Template", `uuid_v5() ns must be a UUID, got ${ns}`);
  const h = createHash("sha1").update(Buffer.from(nsHex, "hex")).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Every function, by its Tera name. */
export const templateFunctions: Readonly<Record<string, TemplateFunction>> = {
  ...core,
  ...fakeFunctions,
};
export const templateFunctionNames: ReadonlySet<string> = new Set(Object.keys(templateFunctions));
