/**
 * A seed-fixed, small fuzz run inside `npm test` (the 10 000-case run is `npm run fuzz`).
 * Mutations caught: a parser that lets a TypeError/RangeError escape (e.g. decodeExport without
 * its try/catch, shellWords throwing a plain Error), or a target that hangs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fuzzAll } from "../fuzz/targets.js";

describe("fuzz (seed-fixed)", () => {
  it("every target contains its failures in CleanroomErrors, 150 cases each", async () => {
    const { lines, failed } = await fuzzAll(150, 20261202);
    assert.equal(failed, false, lines.join("\n"));
    assert.equal(lines.length, 7);
  });
});
