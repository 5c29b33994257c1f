/**
 * Only the test's own containers feed its verdict: another container on the engine can reach the
 * host receiver's address (the host answers on every address it has, from any bridge), so the
 * receiver refuses senders outside the test network's subnet.
 * While the test's scenario waits, a container on Docker's default bridge (a stranger) posts an
 * "intruder" span to the test's OTLP endpoint; then the scenario posts its own span. The test
 * expects exactly one span.
 * Mutation caught (checked by hand): startReceiver without `allowFrom` → the stranger's export
 * is answered 200 and its span counted (spans_total would be 2).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { addressMatcher } from "../../src/core/address-range.js";
import { suite, testBench, tmpDir } from "../helpers/env.js";

const DOCKER = "/usr/bin/docker";

/** An OTLP/JSON export of one span named `name`. */
function exportOf(name: string, spanId: string): string {
  return JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: "5b8efff798038103d269b633813fc60c",
                spanId,
                name,
                kind: 1,
                startTimeUnixNano: "1000000000",
                endTimeUnixNano: "2000000000",
              },
            ],
          },
        ],
      },
    ],
  });
}

async function waitForFile(file: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8").trim();
      if (text) return text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} did not appear within ${ms} ms`);
}

/**
 * A test whose scenario writes its OTLP endpoint and resource attributes to `shared`, waits for
 * `shared/go`, then posts its own span "mine"; it expects exactly one span.
 */
function waitingTest(shared: string): string {
  return `[meta]
name = "isolated_receiver"
[service.sh]
image = "alpine:latest"
volumes = [{ host_path = "${shared}", container_path = "/out" }]
[[scenario]]
name = "send"
service = "sh"
run = "sh -c 'echo $OTEL_RESOURCE_ATTRIBUTES > /out/attrs;\
 echo $OTEL_EXPORTER_OTLP_ENDPOINT > /out/endpoint; i=0;\
while [ ! -f /out/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;\
wget -q -O - --header=Content-Type:application/json --post-data=\\"$BODY\\"\
 $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces'"
env = { BODY = '${exportOf("mine", "00f067aa0ba902b7")}' }
[[expect.span]]
name = "mine"
[expect.counts]
spans_total = { eq = 1 }
`;
}

suite("receiver isolation (real containers)", ["docker"], () => {
  const bench = testBench();

  it("a span sent by a container outside the test network is refused, not counted", async () => {
    const shared = tmpDir();
    const toml = waitingTest(shared);
    const running = bench.run("isolated.clnrm.toml", toml);
    try {
      const endpoint = await waitForFile(path.join(shared, "endpoint"), 60_000);
      // The stranger: Docker's default bridge, not the test's network; argv, no host shell.
      const stranger = spawnSync(
        DOCKER,
        [
          "run",
          "--rm",
          "-e",
          `BODY=${exportOf("intruder", "00f067aa0ba902b8")}`,
          "clnrm/busybox:local",
          "sh",
          "-c",
          'wget -S -O - --header=Content-Type:application/json --post-data="$BODY" ' +
            '"$1/v1/traces" 2>&1; true',
          "stranger",
          endpoint,
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      // it reached the receiver (the host answers on the gateway address) and was refused
      assert.match(stranger.stdout + stranger.stderr, /403/, stranger.stdout + stranger.stderr);
    } finally {
      fs.writeFileSync(path.join(shared, "go"), "");
    }
    const r = await running;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.test.counts.spans, 1);
    const warning = (r.test.warnings as string[]).find((w) => w.startsWith("refused "));
    const from = new RegExp(
      /^refused 1 OTLP export request\(s\) from outside the test network /.source +
        /\(last from ([\d.]+)\)/.source,
    ).exec(warning ?? "");
    assert.ok(from, JSON.stringify(r.test.warnings));
    // the address named is the stranger's, on the default bridge
    const bridge = spawnSync(
      DOCKER,
      ["network", "inspect", "bridge", "-f", "{{(index .IPAM.Config 0).Subnet}}"],
      { encoding: "utf8" },
    ).stdout.trim();
    assert.ok(addressMatcher([bridge])(from[1]!), `${from[1]} is not in ${bridge}`);
    assert.match(r.stdout, /refused 1 OTLP export request\(s\) from outside the test network/);
  });

  it("--receiver sidecar: the host posting to the sidecar is refused, not counted", async () => {
    const shared = tmpDir();
    const running = bench.run("sidecar.clnrm.toml", waitingTest(shared), ["--receiver", "sidecar"]);
    try {
      await waitForFile(path.join(shared, "endpoint"), 60_000);
      const runId = /clnrm\.run_id=([^,\s]+)/.exec(
        await waitForFile(path.join(shared, "attrs"), 5_000),
      )?.[1];
      const inspect = (args: string[]): string =>
        spawnSync(DOCKER, args, { encoding: "utf8" }).stdout.trim();
      const id = inspect([
        "ps",
        "-q",
        "--filter",
        `label=clnrm.run-id=${runId}`,
        "--filter",
        "label=clnrm.role=otlp-receiver",
      ]);
      const ip = inspect([
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        id,
      ]);
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `sidecar ${id} of run ${runId}`);
      // the host reaches the sidecar from the network's gateway address
      const res = await fetch(`http://${ip}:4318/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: exportOf("intruder", "00f067aa0ba902b8"),
      });
      assert.equal(res.status, 403, await res.text());
    } finally {
      fs.writeFileSync(path.join(shared, "go"), "");
    }
    const r = await running;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.test.counts.spans, 1);
    assert.ok(
      (r.test.warnings as string[]).some((w) =>
        w.startsWith("refused 1 OTLP export request(s) from outside the test network"),
      ),
      JSON.stringify(r.test.warnings),
    );
  });

  it("leaves no labelled container or network behind", () => {
    assert.deepEqual(bench.leftovers(), { containers: [], networks: [] });
  });
});
