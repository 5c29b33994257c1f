/** A small hand-made trace and a helper that validates TOML expectations against it (no Docker). */
import { loadTestSource } from "../../src/config/load.js";
import type { Finding } from "../../src/core/result.js";
import type { Span } from "../../src/telemetry/span.js";
import { validateExpectations } from "../../src/validate/index.js";

export function span(
  spanId: string,
  name: string,
  parent: string | undefined,
  startMs: number,
  endMs: number,
  extra: Partial<Span> = {},
): Span {
  return {
    traceId: "a".repeat(32),
    spanId,
    parentSpanId: parent,
    name,
    kind: "internal",
    startNs: BigInt(startMs) * 1_000_000n,
    endNs: BigInt(endMs) * 1_000_000n,
    attributes: {},
    events: [],
    links: [],
    status: { code: "OK" },
    resource: { "service.name": "app" },
    source: "test",
    ...extra,
  };
}

/** root [0,100] → step:hello [10,50] → db.query [20,30] (client); registry [1,5] under root. */
export function smallTrace(over: Partial<Record<string, Partial<Span>>> = {}): Span[] {
  const mk = (id: string, name: string, p: string | undefined, a: number, b: number, x = {}) =>
    span(id, name, p, a, b, { ...x, ...(over[name] ?? {}) });
  return [
    mk("0000000000000001", "clnrm.run", undefined, 0, 100, {
      attributes: { result: "pass", count: 3 },
    }),
    mk("0000000000000002", "clnrm.step:hello", "0000000000000001", 10, 50, {
      attributes: { "step.name": "hello" },
      events: [
        { name: "container.start", attributes: {} },
        { name: "container.exec", attributes: {} },
      ],
    }),
    mk("0000000000000003", "clnrm.plugin.registry", "0000000000000001", 1, 5),
    mk("0000000000000004", "db.query", "0000000000000002", 20, 30, {
      kind: "client",
      attributes: { "server.address": "db" },
    }),
  ];
}

/** The findings of `expect` (TOML [expect.*] text) over `spans`; the test has one service "db". */
export async function findingsOf(expect: string, spans: Span[] = smallTrace()): Promise<Finding[]> {
  const { config } = await loadTestSource(
    `[meta]\nname = "t"\n[service.db]\nimage = "x"\n` +
      `[[scenario]]\nname = "s"\nrun = "true"\n${expect}`,
    "v.clnrm.toml",
    { env: {} },
  );
  return validateExpectations(config.expect, spans, {
    allowedHosts: new Set(config.services.map((s) => s.id)),
  });
}

export const rulesOf = async (expect: string, spans?: Span[]): Promise<string[]> =>
  (await findingsOf(expect, spans)).map((f) => f.rule);
