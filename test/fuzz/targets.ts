/**
 * Fuzz targets (issue 12): every parser and validator clnrm runs on input it does not control.
 * The property: each call returns, or throws a CleanroomError with a known kind; never another
 * exception, never a hang (each case must finish within CASE_MS).
 * `npm run fuzz` runs 10 000 cases per target; test/unit/fuzz.test.ts a seed-fixed 150.
 */
import fc from "fast-check";
import { CleanroomError, ERROR_KINDS } from "../../src/core/errors.js";
import { loadTestSource } from "../../src/config/load.js";
import { shellWords } from "../../src/config/shell-words.js";
import { TemplateRenderer } from "../../src/template/render.js";
import { decodeExport } from "../../src/telemetry/otlp/decode.js";
import { ExportTraceServiceRequest } from "../../src/telemetry/otlp/wire.js";
import { spansFromText } from "../../src/telemetry/text-input.js";
import { validateExpectations } from "../../src/validate/index.js";
import type { Span } from "../../src/telemetry/span.js";

const CASE_MS = 2000;

export interface Target {
  readonly name: string;
  readonly arb: fc.Arbitrary<unknown>;
  run(input: never): unknown;
}

/** Fails unless `fn` returns or throws a CleanroomError with a known kind, within CASE_MS. */
async function expectContained(fn: () => unknown): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof CleanroomError) || !ERROR_KINDS.includes(e.kind))
      throw new Error(
        `not a CleanroomError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
  }
  const ms = performance.now() - t0;
  if (ms > CASE_MS) throw new Error(`took ${ms.toFixed(0)} ms (limit ${CASE_MS} ms)`);
}

const TOML_TOKENS = [
  "[",
  "]",
  "[[",
  "]]",
  "=",
  '"',
  "'",
  "\n",
  "{",
  "}",
  ",",
  ".",
  "#",
  "\\",
  "meta",
  "name",
  "service",
  "scenario",
  "run",
  "expect",
  "span",
  "{{",
  "}}",
  "{%",
  "%}",
  "svc",
  "__proto__",
  "constructor",
  "vars",
  "steps",
  "command",
  "image",
  "1",
  "-",
  "true",
  '"""',
  "(?i)",
  "(",
];
const tokenText = fc
  .array(fc.constantFrom(...TOML_TOKENS), { maxLength: 60 })
  .map((a) => a.join(" "));
const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  tokenText,
  fc.string({ unit: "grapheme", maxLength: 100 }),
);

const VALID =
  '[meta]\nname = "t"\n[service.a]\nimage = "alpine:latest"\n[[scenario]]\nname = "s"\nservice ' +
  '= "a"\nrun = "echo x"\n';

const names = fc.constantFrom("a", "b", "c", "db.*", "a?", "[ab]", "*", "x.y");
const spanArb: fc.Arbitrary<Span> = fc
  .record({
    name: fc.constantFrom("a", "b", "c", "x.y", ""),
    id: fc.integer({ min: 1, max: 6 }),
    parent: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
    start: fc.integer({ min: 0, max: 100 }),
    len: fc.integer({ min: 0, max: 50 }),
    kind: fc.constantFrom("internal", "server", "client", "producer", "consumer"),
    status: fc.constantFrom("UNSET", "OK", "ERROR"),
  })
  .map(
    (r) =>
      ({
        name: r.name,
        traceId: "ab".repeat(16),
        spanId: r.id.toString(16).padStart(16, "0"),
        parentSpanId: r.parent?.toString(16).padStart(16, "0"),
        kind: r.kind,
        startNs: BigInt(r.start),
        endNs: BigInt(r.start + r.len),
        attributes: { k: r.name },
        events: [],
        resource: { "service.name": "s" },
        status: { code: r.status },
        source: "otlp-http",
      }) as unknown as Span,
  );
const q = (s: string): string => JSON.stringify(s);
const expectToml = fc
  .record({
    span: fc.array(fc.record({ n: names, p: fc.option(names, { nil: undefined }) }), {
      maxLength: 3,
    }),
    include: fc.array(fc.tuple(names, names), { maxLength: 3 }),
    cross: fc.array(fc.tuple(names, names), { maxLength: 2 }),
    precede: fc.array(fc.tuple(names, names), { maxLength: 2 }),
    byName: fc.array(fc.tuple(names, fc.nat(5)), { maxLength: 2 }),
    window: fc.array(fc.tuple(names, fc.array(names, { maxLength: 2 })), { maxLength: 2 }),
    status: fc.option(fc.constantFrom("OK", "ERROR", "UNSET"), { nil: undefined }),
  })
  .map((e) => {
    let t = VALID;
    for (const s of e.span)
      t += `[[expect.span]]\nname = ${q(s.n)}\n${s.p ? `parent = ${q(s.p)}\n` : ""}`;
    t +=
      `[expect.graph]\nmust_include = ` +
      `[${e.include.map(([a, b]) => `[${q(a)}, ${q(b)}]`).join(", ")}]\n`;
    t += `must_not_cross = [${e.cross.map(([a, b]) => `[${q(a)}, ${q(b)}]`).join(", ")}]\n`;
    t +=
      `[expect.order]\nmust_precede = ` +
      `[${e.precede.map(([a, b]) => `[${q(a)}, ${q(b)}]`).join(", ")}]\n`;
    t +=
      `[expect.counts]\nby_name = { ` +
      `${e.byName.map(([n, c]) => `${q(n)} = { gte = ${c} }`).join(", ")} }\n`;
    for (const [outer, c] of e.window)
      t += `[[expect.window]]\nouter = ${q(outer)}\ncontains = [${c.map(q).join(", ")}]\n`;
    if (e.status) t += `[expect.status]\nall = ${q(e.status)}\n`;
    return t;
  });

const renderer = new TemplateRenderer();
const otlpBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .record({ name: fc.string({ maxLength: 20 }), junk: fc.uint8Array({ maxLength: 20 }) })
    .map(({ name, junk }) => {
      const ok = ExportTraceServiceRequest.encode({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { name, traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2) },
                ],
              },
            ],
          },
        ],
      }).finish();
      const cut = Buffer.from(ok).subarray(0, Math.max(0, ok.length - ((junk[0] ?? 0) % 8)));
      return Buffer.concat([cut, Buffer.from(junk)]);
    }),
);

const TARGETS: readonly Target[] = [
  {
    name: "toml loader",
    arb: anyText,
    run: (s: string) => loadTestSource(s, "f.clnrm.toml", { env: {} }),
  },
  {
    name: "template renderer",
    arb: fc.oneof(
      anyText,
      tokenText.map((t) => `{{ ${t} }}`),
      tokenText.map((t) => `{% ${t} %}`),
    ),
    run: (s: string) => renderer.render(s, { env: {}, file: "f.clnrm.toml.tera" }),
  },
  {
    name: "otlp protobuf decoder",
    arb: otlpBytes,
    run: (b: Uint8Array) => decodeExport(Buffer.from(b), "application/x-protobuf"),
  },
  {
    name: "otlp json decoder",
    arb: fc.oneof(
      anyText,
      fc.json().map((j) => `{"resourceSpans":[{"scopeSpans":[{"spans":[${j}]}]}]}`),
    ),
    run: (s: string) => decodeExport(Buffer.from(s), "application/json"),
  },
  {
    name: "stdout ndjson parser",
    arb: fc.oneof(
      anyText,
      fc.array(fc.json(), { maxLength: 5 }).map((a) => a.join("\n")),
    ),
    run: (s: string) => spansFromText(s, "stdout"),
  },
  { name: "shell-words", arb: fc.oneof(anyText, tokenText), run: (s: string) => shellWords(s) },
  {
    name: "validators",
    arb: fc.tuple(expectToml, fc.array(spanArb, { maxLength: 8 })),
    run: async ([toml, spans]: [string, Span[]]) => {
      const { config } = await loadTestSource(toml, "v.clnrm.toml", { env: {} });
      return validateExpectations(config.expect, spans);
    },
  },
];

/** Runs every target; returns one line per target (cases, time, failure if any). */
export async function fuzzAll(
  numRuns: number,
  seed?: number,
): Promise<{ lines: string[]; failed: boolean }> {
  const lines: string[] = [];
  let failed = false;
  for (const t of TARGETS) {
    const t0 = performance.now();
    const r = await fc.check(
      fc.asyncProperty(t.arb, (input) => expectContained(() => t.run(input as never))),
      { numRuns, seed, endOnFailure: true },
    );
    const ms = performance.now() - t0;
    if (r.failed) failed = true;
    lines.push(
      `${t.name}: ${r.numRuns} cases in ${(ms / 1000).toFixed(1)} s, ` +
        (r.failed
          ? `FAILED (seed ${r.seed}, path ${r.counterexamplePath}): ${String(r.errorInstance)} ` +
            `on ${JSON.stringify(r.counterexample)?.slice(0, 300)}`
          : "all contained"),
    );
  }
  return { lines, failed };
}
