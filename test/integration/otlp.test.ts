/**
 * Real programs in containers send real OTLP to clnrm's receiver; every validator passes and fails
 * on real spans.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { appServices, testBench, suite } from "../helpers/env.js";

const APP_SERVICE = appServices();
const digests = new Map<string, string>();

const FULL_EXPECTATIONS = `[[expect.span]]
name = "checkout"
kind = "server"
attrs.all = { "http.route" = "/checkout", items = "3" }
duration_ms = { min = 1, max = 60000 }
[[expect.span]]
name = "db.query"
parent = "checkout"
kind = "client"
events.any = ["rows.fetched"]
[expect.graph]
must_include = [["checkout", "db.query"], ["checkout", "payment"]]
must_not_cross = [["db.query", "payment"]]
acyclic = true
[expect.counts]
spans_total = { eq = 3 }
events_total = { eq = 1 }
errors_total = { eq = 0 }
by_name = { "check*" = { eq = 1 } }
[[expect.window]]
outer = "checkout"
contains = ["db.query", "payment"]
[expect.order]
must_precede = [["db.query", "payment"]]
[expect.status]
by_name = { "payment" = "OK" }
[expect.hermeticity]
no_external_services = true
resource_attrs.must_match = { "service.name" = "app", "team" = "payments" }
span_attrs.forbid_keys = ["http.url"]
`;

// Every test below runs with the receiver on the host and in a sidecar container
// (`--receiver sidecar`): the spans, findings and digests must not depend on the transport.
// CLNRM_TEST_RECEIVER_MODES narrows the modes (e.g. `host` to re-run one mode by hand).
const MODES = (["host", "sidecar"] as const).filter((m) =>
  (process.env.CLNRM_TEST_RECEIVER_MODES ?? "host,sidecar").split(",").includes(m),
);
for (const mode of MODES)
  suite(
    `OTLP from real programs (real containers, real spans; receiver ${mode})`,
    ["docker"],
    () => {
      const bench = testBench();
      const run: typeof bench.run = async (name, toml, extra = []) => {
        const r = await bench.run(name, toml, [...extra, "--receiver", mode]);
        if (mode === "sidecar") assert.match(r.stdout, /^receiver: sidecar \(set\)$/m);
        return r;
      };
      const appTest = (name: string, env: string, expectations = FULL_EXPECTATIONS) => `[meta]
name = "${name}"
[otel]
exporter = "otlp"
resources = { team = "payments" }
${APP_SERVICE}[[scenario]]
name = "checkout_flow"
service = "app"
run = "node /app/fixtures/otel-app.mjs"
env = { ${env} }
${expectations}`;

      it("the OTel JS SDK (protobuf) satisfies all seven validators", async () => {
        const r = await run("sdk-proto.clnrm.toml", appTest("sdk_proto", 'APP_MODE = "ok"'));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.test.counts.spans, 3);
        assert.equal(r.test.telemetry.sources["otlp-http"], 3);
        // counts eq, status, must_not_cross and hermeticity can be broken by one more span: the
        // wait ends by quiet after every container stopped, never early.
        assert.equal(r.test.telemetry.completion, "quiet");
      });

      it("the OTel JS SDK (OTLP/JSON) works the same", async () => {
        const r = await run(
          "sdk-json.clnrm.toml",
          appTest("sdk_json", 'APP_MODE = "ok", OTEL_EXPORTER_OTLP_PROTOCOL = "http/json"'),
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.test.telemetry.sources["otlp-http"], 3);
      });

      const grpcTitle =
        'OTLP/gRPC on request ([otel] protocol = "grpc") with the SDK\'s gRPC exporter';
      it(grpcTitle, async () => {
        const r = await run(
          "sdk-grpc.clnrm.toml",
          appTest("sdk_grpc", 'APP_MODE = "ok"').replace(
            'exporter = "otlp"',
            'exporter = "otlp"\nprotocol = "grpc"',
          ),
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.test.telemetry.sources["otlp-grpc"], 3);
      });

      it(
        "a failing payment breaks status and " +
          "errors_total; an external peer breaks hermeticity (rule ids)",
        async () => {
          const failing = await run(
            "sdk-fail.clnrm.toml",
            appTest("sdk_fail", 'APP_MODE = "fail"'),
          );
          assert.equal(failing.code, 1);
          const rules = failing.test.findings.map((f: { rule: string }) => f.rule);
          assert.deepEqual(rules, ["expect.counts.errors_total", "expect.status.by_name[payment]"]);
          assert.match(
            failing.stdout,
            new RegExp(
              /expect\.counts\.errors_total: /.source +
                /the number of spans with status ERROR is 1, expected = 0/.source,
            ),
          );
          const external = await run(
            "sdk-ext.clnrm.toml",
            appTest("sdk_ext", 'APP_MODE = "external"'),
          );
          assert.equal(external.code, 1);
          assert.deepEqual(
            external.test.findings.map((f: { rule: string }) => f.rule),
            ["expect.hermeticity.no_external_services"],
          );
        },
      );

      it("structural and timing rules fail by rule id on real spans", async () => {
        const wrong = `[[expect.span]]
name = "payment"
parent = "db.query"
[expect.graph]
must_include = [["db.query", "payment"]]
must_not_cross = [["checkout", "payment"]]
[expect.counts]
spans_total = { gte = 4 }
[[expect.window]]
outer = "db.query"
contains = ["payment"]
[expect.order]
must_precede = [["payment", "db.query"]]
[expect.hermeticity]
resource_attrs.must_match = { team = "billing" }
span_attrs.forbid_keys = ["db.system"]
`;
        const r = await run("sdk-wrong.clnrm.toml", appTest("sdk_wrong", 'APP_MODE = "ok"', wrong));
        assert.equal(r.code, 1);
        assert.deepEqual(
          r.test.findings.map((f: { rule: string }) => f.rule),
          [
            "expect.span[payment].parent",
            "expect.graph.must_include[db.query→payment]",
            "expect.graph.must_not_cross[checkout→payment]",
            "expect.counts.spans_total",
            "expect.window[db.query].contains[payment]",
            "expect.order.must_precede[payment→db.query]",
            "expect.hermeticity.resource_attrs.must_match[team]",
            "expect.hermeticity.span_attrs.forbid_keys[db.system]",
          ],
        );
      });

      it(
        "plain HTTP from busybox (OTLP/JSON via " + "wget) is received, on a hermetic network too",
        async () => {
          const body = JSON.stringify({
            resourceSpans: [
              {
                resource: {
                  attributes: [{ key: "service.name", value: { stringValue: "shell" } }],
                },
                scopeSpans: [
                  {
                    spans: [
                      {
                        traceId: "5b8efff798038103d269b633813fc60c",
                        spanId: "00f067aa0ba902b7",
                        name: "shell.job",
                        kind: 1,
                        startTimeUnixNano: "1000000000",
                        endTimeUnixNano: "3000000000",
                        status: { code: 1 },
                      },
                      {
                        traceId: "5b8efff798038103d269b633813fc60c",
                        spanId: "00f067aa0ba902b8",
                        parentSpanId: "00f067aa0ba902b7",
                        name: "shell.step",
                        kind: 1,
                        startTimeUnixNano: "1500000000",
                        endTimeUnixNano: "2000000000",
                      },
                    ],
                  },
                ],
              },
            ],
          });
          const toml = `[meta]
name = "busybox_otlp"
[service.sh]
image = "alpine:latest"
[[scenario]]
name = "send"
service = "sh"
run = "sh -c 'wget -q -O - --header=Content-Type:application/json --post-data=\\"$BODY\\"\
 $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces'"
env = { BODY = '${body}' }
[[expect.span]]
name = "shell.step"
parent = "shell.job"
duration_ms = { min = 499, max = 501 }
[expect.hermeticity]
no_external_services = true
`;
          const r = await run("busybox.clnrm.toml", toml, ["--hermetic"]);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(r.test.counts.spans, 2);
        },
      );

      it("spans on declared stdout (NDJSON, both key casings) are collected too", async () => {
        const snake = JSON.stringify({
          name: "stdout.root",
          trace_id: "ab".repeat(16),
          span_id: "cd".repeat(8),
          kind: "internal",
          start_time_unix_nano: 1,
          end_time_unix_nano: 5,
        });
        const camel = JSON.stringify({
          name: "stdout.child",
          traceId: "ab".repeat(16),
          spanId: "ef".repeat(8),
          parentSpanId: "cd".repeat(8),
          startTimeUnixNano: "2",
          endTimeUnixNano: "3",
          status: { code: "STATUS_CODE_OK" },
        });
        const toml = `[meta]
name = "ndjson"
[[scenario]]
name = "print"
run = "sh -c 'echo not a span; echo \\"$A\\"; echo \\"$B\\"'"
env = { A = '${snake}', B = '${camel}' }
artifacts.collect = ["spans:default"]
[expect.graph]
must_include = [["stdout.root", "stdout.child"]]
[expect.status]
by_name = { "stdout.child" = "OK" }
`;
        const r = await run("ndjson.clnrm.toml", toml);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.test.telemetry.sources.stdout, 2);
      });

      const wrapperTitle =
        'a {"spans":[…]} document on stdout counts with [otel] exporter = "stdout"';
      it(wrapperTitle, async () => {
        // Mutation caught: the `doc.spans` branch removed from spansFromJson
        // (src/telemetry/text-input.ts) → 0 spans, expect.graph and counts fail.
        const wrapped = JSON.stringify({
          spans: [
            { name: "wrapped.root", trace_id: "ab".repeat(16), span_id: "cd".repeat(8) },
            {
              name: "wrapped.child",
              traceId: "ab".repeat(16),
              spanId: "ef".repeat(8),
              parentSpanId: "cd".repeat(8),
            },
          ],
        });
        const toml = `[meta]
name = "wrapped"
[otel]
exporter = "stdout"
[[scenario]]
name = "print"
run = "sh -c 'echo \\"$DOC\\"'"
env = { DOC = '${wrapped}' }
[expect.graph]
must_include = [["wrapped.root", "wrapped.child"]]
[expect.counts]
spans_total = { eq = 2 }
`;
        const r = await run("wrapped.clnrm.toml", toml);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.test.telemetry.sources.stdout, 2);
      });

      it(
        "a deterministic scenario run twice yields " + "the same digest; a changed span changes it",
        async () => {
          const a = await run("det-a.clnrm.toml", appTest("det", 'APP_MODE = "ok"'));
          const b = await run("det-b.clnrm.toml", appTest("det", 'APP_MODE = "ok"'));
          const c = await run("det-c.clnrm.toml", appTest("det", 'APP_MODE = "external"', ""));
          assert.equal(a.test.digest, b.test.digest);
          // the same spans whichever receiver took them (the host suite runs first)
          digests.set(mode, a.test.digest);
          if (mode === "sidecar") assert.equal(a.test.digest, digests.get("host"));
          assert.notEqual(a.test.digest, c.test.digest);
          assert.match(a.test.digest, /^[0-9a-f]{64}$/);
        },
      );

      it(
        "leaves no labelled container or network " +
          "behind (of its own runs: the engine is shared)",
        () => {
          assert.deepEqual(bench.leftovers(), { containers: [], networks: [] });
        },
      );
    },
  );
