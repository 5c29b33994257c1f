/**
 * The benchmark writes bench/RESULTS.md without losing what was written by hand around its tables
 * (a run once replaced everything after the whole-process heading, analysis included).
 * Mutation caught: replacing from the start marker to the end of the file → the text after the
 * block is lost.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { replaceBlock } from "../../bench/results-file.js";

describe("bench/RESULTS.md generated blocks", () => {
  it("replaces only its block; appends it when absent; keeps the rest byte for byte", () => {
    const doc =
      "# R\n\nhand 1\n<!-- generated:cli -->\nold table\n<!-- /generated:cli -->\nhand 2\n" +
      "<!-- generated:main -->\nm\n<!-- /generated:main -->\n";
    const out = replaceBlock(doc, "cli", "new table\n");
    assert.equal(
      out,
      "# R\n\nhand 1\n<!-- generated:cli -->\nnew table\n<!-- /generated:cli -->\nhand 2\n" +
        "<!-- generated:main -->\nm\n<!-- /generated:main -->\n",
    );
    assert.equal(
      replaceBlock("# R\nhand\n", "cli", "t"),
      "# R\nhand\n\n<!-- generated:cli -->\nt\n<!-- /generated:cli -->\n",
    );
  });
});
