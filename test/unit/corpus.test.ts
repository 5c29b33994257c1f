/**
 * Corpus conformance: `scripts/corpus.mjs` (also `npm run corpus -- DIR` over a checkout of the
 * upstream repository) over the upstream files in ../shared/conformance and over our own
 * fixtures reproducing the upstream constructs that used to crash or be rejected falsely.
 * Zero crashes, every failure located, fmt never changes data; each fixture's outcome and
 * reason is asserted. Mutations caught: building before the schema check (chaos fixture
 * crashes), no pair.0 rewrite (macros fixture fails), ollama rejected (plugins fixture fails),
 * Taplo output written unchecked (fmt loses data on both chaos fixtures).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { CONFORMANCE, PROJECT_ROOT, conformanceSkip } from "../helpers/env.js";

interface Row {
  file: string;
  outcome: string;
  reason: string;
  fmt: string;
}
function corpus(dir: string): { summary: Record<string, number>; rows: Row[] } {
  const r = spawnSync(
    process.execPath,
    [path.join(PROJECT_ROOT, "scripts/corpus.mjs"), dir, "--json"],
    {
      encoding: "utf8",
    },
  );
  const out = JSON.parse(r.stdout) as { summary: Record<string, number>; rows: Row[] };
  console.log(`corpus ${path.relative(PROJECT_ROOT, dir)}: ${JSON.stringify(out.summary)}`);
  return out;
}

describe("corpus conformance", () => {
  it("our fixtures of upstream constructs: each outcome as expected", () => {
    const { summary, rows } = corpus(path.join(PROJECT_ROOT, "test/fixtures/corpus"));
    const by = new Map(rows.map((r) => [r.file, r]));
    for (const f of [
      "chaos-multiline-valid.clnrm.toml",
      "macros-pair-index.clnrm.toml.tera",
      "matrix.clnrm.toml.tera",
      "plugins-upstream.clnrm.toml",
      "vars-templated.clnrm.toml.tera",
    ])
      assert.equal(by.get(f)?.outcome, "loads", `${f}: ${by.get(f)?.reason}`);
    const chaos = by.get("chaos-multiline.clnrm.toml")!;
    assert.equal(chaos.outcome, "fails-located");
    assert.match(
      chaos.reason,
      /attrs\.all\."cascade\.depth": expected a string.*found table .*:30:23\)$/,
    );
    assert.equal(chaos.fmt, "conservative");
    assert.match(by.get("rosetta-shell-length.clnrm.toml")!.reason, /`\{#` opens .*:12:52\)$/);
    assert.match(
      by.get("rosetta-literal-braces.clnrm.toml")!.reason,
      /expected variable end .*:18:85\)$/,
    );
    // nunjucks' second "(path)" prefix stripped, the macro named, the line of the call
    assert.match(
      by.get("macro-unknown.clnrm.toml.tera")!.reason,
      /^Template: unknown macro `m::lifecycel` \(did you mean `m::lifecycle`\?\) .*:17:4\)$/,
    );
    // a missing import is located at its tag, not at 1:1
    assert.match(
      by.get("import-in-heredoc.clnrm.toml")!.reason,
      /^Template: template "helpers" not found .*import-in-heredoc\.clnrm\.toml:15:1\)$/,
    );
    // errors in rendered text are reported at the user's line: the macro call, the loop body
    assert.match(
      by.get("macro-duplicate-table.clnrm.toml.tera")!.reason,
      /redefine .*\(rendered line \d+: `\[expect\.order\]`\) .*:19:1\)$/,
    );
    assert.match(
      by.get("loop-unknown-key.clnrm.toml.tera")!.reason,
      /unknown key `expect\.output` .*loop-unknown-key\.clnrm\.toml\.tera:16:10\)$/,
    );
    // nunjucks' own words ("Unexpected token", "not a function") replaced by the real cause
    assert.match(
      by.get("comment-empty-expression.clnrm.toml.tera")!.reason,
      /^Template: empty template expression `\{\{ \}\}` .*:1:53\)$/,
    );
    assert.match(
      by.get("tag-escaped-quote.clnrm.toml.tera")!.reason,
      /^Template: a `\\"` inside a template tag: .*:6:21\)$/,
    );
    // an unknown filter is located at its use (nunjucks gives no position for it)
    assert.match(
      by.get("filter-unknown.clnrm.toml")!.reason,
      /^Template: unknown filter `sha256` .*filter-unknown\.clnrm\.toml:17:44\)$/,
    );
    assert.equal(summary.crashes, 0);
    assert.equal(summary.failsUnlocated, 0);
    assert.equal(summary.fmtLosesData, 0);
    assert.equal(summary.fmtCrashes, 0);
  });

  it("the upstream files in ../shared/conformance: no crash, failures located", {
    skip: conformanceSkip,
  }, () => {
    const { summary, rows } = corpus(CONFORMANCE);
    assert.equal(summary.crashes, 0, JSON.stringify(rows.filter((r) => r.outcome === "crash")));
    assert.equal(summary.failsUnlocated, 0);
    assert.equal(summary.fmtLosesData, 0);
    assert.ok(summary.loads! >= 11, JSON.stringify(summary));
  });
});
