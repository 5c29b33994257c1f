/**
 * The OTLP/HTTP receiver on loopback: protobuf, JSON, gzip, bad bodies, wrong routes (no Docker
 * needed).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { startReceiver } from "../../src/telemetry/receiver.js";
import { SpanStore } from "../../src/telemetry/store.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ExportTraceServiceRequest, PROTO_DIR } from "../../src/telemetry/otlp/wire.js";
import { decodeExport } from "../../src/telemetry/otlp/decode.js";
import { spansFromText } from "../../src/telemetry/text-input.js";
import { runCli, tmpDir, writeTest } from "../helpers/env.js";

const hex = (h: string): Buffer => Buffer.from(h, "hex");
const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
      scopeSpans: [
        {
          scope: { name: "lib", version: "1" },
          spans: [
            {
              traceId: hex("5b8efff798038103d269b633813fc60c"),
              spanId: hex("00f067aa0ba902b7"),
              name: "root",
              kind: 2,
              startTimeUnixNano: "1700000000000000000",
              endTimeUnixNano: "1700000000250000000",
              attributes: [
                { key: "n", value: { intValue: 42 } },
                { key: "ok", value: { boolValue: true } },
                { key: "list", value: { arrayValue: { values: [{ stringValue: "a" }] } } },
              ],
              events: [{ name: "ev", timeUnixNano: "1700000000100000000" }],
              status: { code: 2, message: "boom" },
            },
            {
              traceId: hex("5b8efff798038103d269b633813fc60c"),
              spanId: hex("00f067aa0ba902b8"),
              parentSpanId: hex("00f067aa0ba902b7"),
              name: "child",
              kind: 3,
            },
          ],
        },
      ],
    },
  ],
};

describe("OTLP/HTTP receiver", () => {
  it(
    "decodes protobuf, gzip'd protobuf and JSON into the same spans; " + "rejects garbage with 400",
    async () => {
      const store = new SpanStore();
      const rx = await startReceiver(store);
      try {
        const proto = Buffer.from(
          ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish(),
        );
        const post = (body: Buffer, headers: Record<string, string>): Promise<Response> =>
          fetch(`${rx.endpoint}/v1/traces`, { method: "POST", body, headers });
        assert.equal((await post(proto, { "content-type": "application/x-protobuf" })).status, 200);
        const [root, child] = store.spans;
        assert.equal(root!.name, "root");
        assert.equal(root!.traceId, "5b8efff798038103d269b633813fc60c");
        assert.equal(root!.kind, "server");
        assert.equal(root!.endNs! - root!.startNs!, 250_000_000n);
        assert.deepEqual({ ...root!.attributes }, { n: 42, ok: true, list: ["a"] });
        assert.deepEqual(root!.status, { code: "ERROR", message: "boom" });
        assert.equal(root!.resource["service.name"], "svc");
        assert.equal(child!.parentSpanId, "00f067aa0ba902b7");

        const other = (id: string): Buffer =>
          Buffer.from(
            ExportTraceServiceRequest.encode(
              ExportTraceServiceRequest.fromObject({
                resourceSpans: [
                  {
                    scopeSpans: [
                      {
                        spans: [
                          { traceId: hex("ab".repeat(16)), spanId: hex(id), name: `gz-${id}` },
                        ],
                      },
                    ],
                  },
                ],
              }),
            ).finish(),
          );
        assert.equal(
          (
            await post(gzipSync(other("1111111111111111")), {
              "content-type": "application/x-protobuf",
              "content-encoding": "gzip",
            })
          ).status,
          200,
        );
        const json = JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: "ab".repeat(16),
                      spanId: "2222222222222222",
                      parentSpanId: "",
                      name: "json-span",
                      kind: "SPAN_KIND_CLIENT",
                      status: { code: "STATUS_CODE_OK" },
                    },
                  ],
                },
              ],
            },
          ],
        });
        assert.equal(
          (
            await post(gzipSync(Buffer.from(json)), {
              "content-type": "application/json",
              "content-encoding": "gzip",
            })
          ).status,
          200,
        );
        const names = store.spans.map((s) => s.name);
        assert.deepEqual(names.slice(2), ["gz-1111111111111111", "json-span"]);
        assert.equal(store.spans[3]!.parentSpanId, undefined, "an empty parent id means no parent");
        assert.equal(store.spans[3]!.status.code, "OK");

        const bad = await post(Buffer.from("not json"), { "content-type": "application/json" });
        assert.equal(bad.status, 400);
        assert.match(await bad.text(), /OTLP\/JSON body is not valid JSON/);
        assert.equal(
          (await fetch(`${rx.endpoint}/v1/metrics`, { method: "POST", body: "x" })).status,
          404,
        );
        assert.equal(rx.rejected, 1);
      } finally {
        await rx.close();
      }
    },
  );

  it(
    "stdout parsing accepts snake_case and camelCase NDJSON, OTLP/JSON lines, " +
      "and ignores other output",
    () => {
      const text = [
        "starting",
        JSON.stringify({ name: "a", trace_id: "ab".repeat(16), span_id: "cd".repeat(8), kind: 2 }),
        "{not json",
        JSON.stringify({
          name: "b",
          traceId: "ab".repeat(16),
          spanId: "ef".repeat(8),
          parentSpanId: "cd".repeat(8),
          kind: "SPAN_KIND_CLIENT",
        }),
        JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                { spans: [{ traceId: "ab".repeat(16), spanId: "12".repeat(8), name: "c" }] },
              ],
            },
          ],
        }),
      ].join("\n");
      const spans = spansFromText(text, "stdout");
      assert.deepEqual(
        spans.map((s) => [s.name, s.kind ?? null, s.parentSpanId ?? null]),
        [
          ["a", "server", null],
          ["b", "client", "cd".repeat(8)],
          ["c", null, null],
        ],
      );
    },
  );
});

describe("no Docker engine", () => {
  it("run says the engine is not reachable, how to fix it, and exits 3", async () => {
    const dir = tmpDir();
    const file = writeTest(
      dir,
      "t.clnrm.toml",
      '[meta]\nname = "t"\n[[scenario]]\nname = "s"\nrun = "true"\n',
    );
    const r = await runCli(["run", file], {
      cwd: dir,
      env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    });
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /Container error: Docker engine not reachable at unix:\/\/\/nonexistent\/docker\.sock/,
    );
    assert.match(r.stderr, /hint: run `npm run setup`/);
  });
});

describe("OTLP wire schema", () => {
  it("is loaded from the vendored opentelemetry-proto files, licence beside them", () => {
    assert.equal(
      ExportTraceServiceRequest.fullName,
      ".opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
    );
    assert.match(
      readFileSync(path.join(PROTO_DIR, "LICENSE"), "utf8"),
      /Apache License\s+Version 2\.0/,
    );
    const span = ExportTraceServiceRequest.lookupType("opentelemetry.proto.trace.v1.Span");
    assert.equal(span.fields.endTimeUnixNano?.id, 8);
    assert.equal(span.fields.endTimeUnixNano?.type, "fixed64");
  });

  it(
    "decodes an old sender's deprecated instrumentation_library_spans (field 1000) " +
      "like scope_spans",
    () => {
      const old = {
        resourceSpans: [
          {
            instrumentationLibrarySpans: [
              {
                instrumentationLibrary: { name: "legacy-lib", version: "0.9" },
                spans: [
                  {
                    traceId: hex("11".repeat(16)),
                    spanId: hex("22".repeat(8)),
                    name: "legacy.op",
                    kind: 3,
                  },
                ],
              },
            ],
          },
        ],
      };
      const body = Buffer.from(
        ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(old)).finish(),
      );
      const [s] = decodeExport(body, "application/x-protobuf");
      assert.equal(s?.name, "legacy.op");
      assert.equal(s?.kind, "client");
      assert.deepEqual(s?.scope, { name: "legacy-lib", version: "0.9" });
    },
  );
});
