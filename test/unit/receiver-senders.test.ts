/**
 * The host receiver hears only its test's network (no Docker: loopback addresses stand in for
 * the test network's subnet). The real-container case is test/integration/receiver-isolation.
 * Mutations (by hand in src/telemetry/receiver.ts) each check was seen to catch:
 * - the allowFrom check dropped → the stranger's POST is answered 200 and its span stored;
 * - a refusal counted as `rejected` (the test's own exports) → rejected is 1, not 0;
 * - the gateway (the receiver's own address) not refused → the host's POST is answered 200.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { addressMatcher } from "../../src/core/address-range.js";
import { startReceiver } from "../../src/telemetry/receiver.js";
import { SpanStore } from "../../src/telemetry/store.js";

const BODY = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: "ab".repeat(16),
              spanId: "cd".repeat(8),
              name: "stranger",
              startTimeUnixNano: "1",
              endTimeUnixNano: "2",
            },
          ],
        },
      ],
    },
  ],
});

function post(port: number, host = "127.0.0.1"): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path: "/v1/traces",
        method: "POST",
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

describe("host receiver: senders outside the test network", () => {
  it("addressMatcher: CIDR ranges, IPv4-mapped IPv6, anything else ignored", () => {
    const inNet = addressMatcher(["172.22.0.0/16", "db", "10.0.0.1", "10.0.0.0/33"]);
    assert.equal(inNet("172.22.3.4"), true);
    assert.equal(inNet("::ffff:172.22.3.4"), true);
    assert.equal(inNet("172.23.0.1"), false);
    assert.equal(inNet("10.0.0.1"), false, "a bare address is not a range");
    assert.equal(inNet("db"), false);
    assert.equal(addressMatcher(["db"])("172.22.3.4"), false);
  });

  it("a POST from outside allowFrom is refused (403), counted apart, stores nothing", async () => {
    const store = new SpanStore();
    // The client connects from 127.0.0.1 (the kernel's source for all of 127/8): outside
    // 127.0.0.2/32; inside 127.0.0.0/8, where a receiver on 127.0.0.1 sees it as itself (the
    // host at the gateway address) and one on 127.0.0.2 as a container of its network.
    const shut = await startReceiver(store, "127.0.0.1", 0, { allowFrom: "127.0.0.2/32" });
    const self = await startReceiver(store, "127.0.0.1", 0, { allowFrom: "127.0.0.0/8" });
    const open = await startReceiver(store, "127.0.0.2", 0, { allowFrom: "127.0.0.0/8" });
    try {
      const refused = await post(shut.port);
      assert.equal(refused.status, 403);
      assert.match(
        refused.text,
        /^clnrm: OTLP from 127\.0\.0\.1 refused: .*\(network 127\.0\.0\.2\/32/,
      );
      assert.deepEqual([shut.foreign, shut.lastForeign, shut.rejected], [1, "127.0.0.1", 0]);
      assert.equal(shut.inFlight, 0);
      assert.equal((await post(self.port)).status, 403, "the gateway address is the host's");
      assert.equal(self.foreign, 1);
      assert.equal(store.spans.length, 0);
      assert.equal((await post(open.port, "127.0.0.2")).status, 200);
      assert.equal(open.foreign, 0);
      assert.deepEqual(
        store.spans.map((s) => s.name),
        ["stranger"],
      );
    } finally {
      await shut.close();
      await self.close();
      await open.close();
    }
  });
});
