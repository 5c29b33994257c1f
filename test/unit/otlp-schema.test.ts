/**
 * The OTLP schema clnrm loads at start-up is the build's compilation of the vendored .proto files.
 * Mutations caught: a stale or hand-edited otlp-trace.json (a field renamed or dropped), or a
 * build that stops generating it (clnrm would silently go back to parsing .proto at start-up).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { parseVendoredProtos, SCHEMA_JSON } from "../../src/telemetry/otlp/wire.js";

describe("OTLP schema", () => {
  it("the precompiled descriptor is exactly the vendored .proto files", async () => {
    assert.ok(fs.existsSync(SCHEMA_JSON), "npm run build writes otlp-trace.json");
    const built = JSON.parse(fs.readFileSync(SCHEMA_JSON, "utf8")) as unknown;
    assert.deepEqual(built, JSON.parse(JSON.stringify((await parseVendoredProtos()).toJSON())));
  });
});
