/**
 * Linear-time user regexes (issue 12): RE2 semantics for every user pattern.
 * Mutations caught: going back to `new RegExp` in assertions.ts (the ReDoS case takes seconds
 * and `(?i)` / `(?P<n>)` throw SyntaxError), in build.ts (the invalid-pattern message and its
 * file:line:col change), in readiness/trace/filters (the `(?i)` cases fail); dropping the
 * `(?ms)` default for step output (upstream demo cases 2, 7, 8 fail).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { userRegex } from "../../src/core/regex.js";
import { checkOutput } from "../../src/engine/assertions.js";
import { loadTestSource } from "../../src/config/load.js";
import { CleanroomError } from "../../src/core/errors.js";
import { TemplateRenderer } from "../../src/template/render.js";
import { TraceIndex } from "../../src/validate/trace-index.js";
import type { ExecResult } from "../../src/engine/backend.js";

const exec = (stdout: string): ExecResult =>
  ({ exitCode: 0, stdout, stderr: "", durationMs: 1, timedOut: false }) as ExecResult;
const check = (re: string, out: string, not = false) =>
  checkOutput(
    "steps[0]",
    not
      ? { expectedExitCode: 0, expectedOutputRegexNot: re }
      : { expectedExitCode: 0, expectedOutputRegex: re },
    exec(out),
  );

describe("user regexes run on RE2", () => {
  it("^(a+)+$ over 30 a's plus a mismatch returns at once (no backtracking)", () => {
    const t0 = performance.now();
    const f = check("^(a+)+$", `${"a".repeat(30)}!`);
    const ms = performance.now() - t0;
    assert.equal(f?.rule, "steps[0].expected_output_regex");
    assert.ok(ms < 200, `took ${ms.toFixed(0)} ms`);
    const t1 = performance.now();
    assert.equal(userRegex("(x+x+)+y").test("x".repeat(5000)), false);
    assert.ok(performance.now() - t1 < 500);
  });

  it("speaks Rust regex syntax: (?i), (?s), (?m), (?P<name>)", () => {
    assert.equal(userRegex("(?i)success").test("SUCCESS: done"), true);
    assert.equal(userRegex("(?s)a.b").test("a\nb"), true);
    assert.equal(userRegex("a.b").test("a\nb"), false);
    assert.equal(userRegex("(?m)^b$").test("a\nb\nc"), true);
    assert.equal(userRegex("(?P<id>\\d+) items").test("Processing 100 items"), true);
  });

  // The ten kinds of pattern in upstream's examples/toml-config/regex-validation-demo.toml,
  // against the stdout its commands print (rewritten here, not copied).
  const DEMO: ReadonlyArray<[string, string, boolean]> = [
    ["Operation completed successfully", "Operation completed successfully", false],
    [
      "Server started.*Database connected.*Ready to serve",
      "Server started on port 8080\nDatabase connected\nReady to serve requests",
      false,
    ],
    [
      "User \\d+ created successfully",
      "User 12345 created successfully\nProcessing 100 items",
      false,
    ],
    ["(?i)success", "SUCCESS: Operation completed", false],
    ["error|failed|exception", "Operation completed without errs", true],
    [
      'API Response: \\{"status":"success".*"id":\\d+\\}',
      'API Response: {"status":"success","data":{"id":123}}',
      false,
    ],
    ["^Line 3: ERROR$", "Line 1: INFO\nLine 2: DEBUG\nLine 3: ERROR", false],
    ["Start of block.*End of block", "Start of block\nMiddle content\nEnd of block", false],
    ["Path: /home/user/.*\\.txt", "Path: /home/user/file.txt\nPrice: $19.99", false],
    ["Message: .*мир", "Message: Привет мир\nEmoji: 🚀", false],
  ];
  for (const [i, [re, out, not]] of DEMO.entries())
    it(`upstream regex demo case ${i + 1}: /${re}/ ${not ? "does not match" : "matches"}`, () => {
      assert.equal(check(re, out, not), undefined);
    });

  it("step output anchors: \\A and \\z still mean the whole output", () => {
    assert.equal(check("\\ALine 3", "Line 1\nLine 3")?.rule, "steps[0].expected_output_regex");
    assert.equal(check("(?-s)a.b", "a\nb")?.rule, "steps[0].expected_output_regex");
  });

  // Mutation caught: the cut-output check removed → the "FATAL" past the kept 1 MiB passes.
  it("expected_output_regex_not on cut output: absence not proved, so it fails", () => {
    const cut = { ...exec(".".repeat(1024)), stdoutDropped: 4096 } as ExecResult;
    const f = checkOutput(
      "scenario[s]",
      { expectedExitCode: 0, expectedOutputRegexNot: "FATAL" },
      cut,
    );
    assert.equal(f?.rule, "scenario[s].expected_output_regex_not");
    assert.match(
      f?.message ?? "",
      /4096 bytes past the kept part were not kept\), so the absence of \/FATAL\/ cannot/,
    );
    // not cut: no match is a pass
    assert.equal(check("FATAL", ".".repeat(1024), true), undefined);
  });

  it("an invalid pattern is a Configuration error at file:line:col", async () => {
    const src =
      '[test.metadata]\nname = "t"\n[[steps]]\nname = "s"\ncommand = ' +
      '["true"]\nexpected_output_regex = "(?<=x)a"\n';
    await assert.rejects(loadTestSource(src, "r.clnrm.toml", { env: {} }), (e: unknown) => {
      assert.ok(e instanceof CleanroomError);
      assert.equal(e.kind, "Configuration");
      assert.equal(e.location(), "r.clnrm.toml:6:1"); // the key of the bad pattern
      assert.match(
        e.message,
        /steps\[0\]\.expected_output_regex: invalid regular expression \/\(\?<=x\)a\//,
      );
      return true;
    });
    const hc =
      '[meta]\nname = "t"\n[service.a]\nimage = "x"\nhealth_check = { log = "a(b", timeout_ms = ' +
      '10 }\n[[scenario]]\nname = "s"\nservice = "a"\nrun = "true"\n';
    await assert.rejects(loadTestSource(hc, "h.clnrm.toml", { env: {} }), (e: unknown) => {
      assert.ok(e instanceof CleanroomError);
      assert.match(
        e.message,
        /health_check\.log: invalid regular expression \/a\(b\/: missing closing \)/,
      );
      return true;
    });
  });

  it("the template `matching` test and span-name globs use RE2 too", async () => {
    const r = new TemplateRenderer();
    const out = await r.render('{% if "ABC" is matching("(?i)^abc$") %}y{% endif %}', { env: {} });
    assert.equal(out.text, "y");
    const name = `${"a".repeat(40)}!`;
    const idx = new TraceIndex([{ name } as never]);
    const t0 = performance.now();
    assert.equal(idx.matching("*a*a*a*a*a*a*a*a*a*a*b").length, 0);
    assert.ok(performance.now() - t0 < 200);
  });
});
