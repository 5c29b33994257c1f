/**
 * The built CLI on fixture files, without Docker: authoring and trace commands, exit codes,
 * messages.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { CONFORMANCE, runCli, tmpDir, writeTest, suite } from "../helpers/env.js";

const f = (p: string): string => path.join(CONFORMANCE, p);
const TRACE = (): string => f("docs/example-otel-trace.json");

describe("CLI: authoring commands", () => {
  it(
    "validate: bad input gives one clear message with file:line:col, " + "no stack trace, exit 2",
    async () => {
      const dir = tmpDir();
      const file = writeTest(
        dir,
        "bad.clnrm.toml",
        '[meta]\nname = "x"\n[[scenario]]\nname = "s"\nservice = "nope"\nrun = "true"\n',
      );
      const r = await runCli(["validate", file]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        new RegExp(
          /Configuration error in .*bad\.clnrm\.toml:5:1: scenario\[0\]\.service: /.source +
            /unknown service "nope" \(no services are defined\)/.source,
        ),
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    },
  );

  it("render --map and -o", async () => {
    const dir = tmpDir();
    const file = writeTest(
      dir,
      "t.clnrm.toml.tera",
      'name = "{{ svc }}-{{ region | default(value="eu") }}"\n',
    );
    const out = path.join(dir, "out.toml");
    const r = await runCli(["render", file, "--map", "svc=api", "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(out, "utf8"), 'name = "api-eu"\n');
  });

  it(
    "fmt: keeps comments and section order, " + "sorts [vars], --check exits 1, idempotent",
    async () => {
      const dir = tmpDir();
      const file = writeTest(
        dir,
        "f.clnrm.toml",
        '[meta]\nname="x"   # the name\n\n[vars]\nzeta=1\n# about alpha\nalpha="a"\n' +
          '[[scenario]]\nname="s"\nrun="true"\n',
      );
      assert.equal((await runCli(["fmt", "--check", file])).code, 1);
      assert.equal((await runCli(["fmt", file])).code, 0);
      const once = fs.readFileSync(file, "utf8");
      assert.match(once, /^\[meta\]\nname = "x" # the name\n/);
      assert.match(once, /\[vars\]\n# about alpha\nalpha = "a"\nzeta = 1\n/);
      assert.ok(once.indexOf("[vars]") < once.indexOf("[[scenario]]"));
      const r = await runCli(["fmt", "--check", file]);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(fs.readFileSync(file, "utf8"), once);
    },
  );

  it("lint: contradictory expectations are errors; formats human, json and github", async () => {
    const dir = tmpDir();
    const file = writeTest(
      dir,
      "l.clnrm.toml",
      '[meta]\nname = "x"\n[[scenario]]\nname = "s"\nrun = "true"\n[[expect.window]]\n' +
        'outer = "a"\ncontains = ["b"]\n[expect.order]\nmust_precede = [["b", "a"]]\n',
    );
    const human = await runCli(["lint", file]);
    assert.equal(human.code, 1);
    assert.match(
      human.stdout,
      new RegExp(
        /l\.clnrm\.toml:9: error: "b" must end before "a" starts, /.source +
          /but \[\[expect\.window\]\] requires "b" inside "a" \[contradiction\]/.source,
      ),
    );
    const json = JSON.parse((await runCli(["lint", "-f", "json", file])).stdout);
    assert.ok(json[0].messages.some((m: { rule: string }) => m.rule === "contradiction"));
    assert.match(
      (await runCli(["lint", "-f", "github", file])).stdout,
      /^::error file=.*l\.clnrm\.toml,line=9::contradiction: /m,
    );
  });

  it("template <kind> prints templates that render and validate", async () => {
    const dir = tmpDir();
    for (const kind of ["otel", "macros", "full-validation", "deterministic"]) {
      const out = path.join(dir, `${kind}.clnrm.toml.tera`);
      assert.equal((await runCli(["template", kind, "-o", out])).code, 0);
      const v = await runCli(["validate", out]);
      assert.equal(v.code, 0, `${kind}: ${v.stdout}${v.stderr}`);
    }
    assert.equal((await runCli(["template", "nope"])).code, 2);
  });

  it("dry-run shows the plan with images after aliasing", async () => {
    const dir = tmpDir();
    writeTest(dir, "cleanroom.toml", '[images.aliases]\n"alpine:latest" = "clnrm/busybox:local"\n');
    const file = writeTest(
      dir,
      "d.clnrm.toml",
      '[meta]\nname = "d"\n[service.a]\nimage = "alpine:latest"\n[[scenario]]\nname = "s"\n' +
        'service = "a"\nrun = "echo hi"\n',
    );
    const r = await runCli(["dry-run", file], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service a: image alpine:latest → clnrm\/busybox:local/);
    assert.match(r.stdout, /scenario s: fresh container of a running \["echo","hi"\]/);
  });
});

suite("CLI: conformance rows for lint, spans, graph, analyze", ["shared"], () => {
  it("lint legitimate.clnrm.toml warns that [otel_expectations] is an unknown table", async () => {
    const r = await runCli(["lint", f("tests/fake_green/legitimate.clnrm.toml")]);
    assert.match(
      r.stdout,
      /warning: otel_expectations: unknown key `otel_expectations` \(ignored\) \[unknown-key\]/,
    );
  });

  it("spans: the whole-document OTLP/JSON example has 6 spans", async () => {
    const r = await runCli(["spans", TRACE()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /6 span\(s\)/);
    const json = JSON.parse((await runCli(["spans", "-f", "json", TRACE()])).stdout);
    assert.equal(json.length, 6);
    assert.equal(
      (await runCli(["spans", "--grep", "^clnrm\\.container", TRACE()])).stdout.match(
        /^clnrm\.container/gm,
      )?.length,
      3,
    );
  });

  it("graph: the tree of the conformance README", async () => {
    const r = await runCli(["graph", TRACE()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "clnrm.run",
        "└── clnrm.step",
        "    ├── clnrm.plugin.registry",
        "    └── clnrm.container.start",
        "        ├── clnrm.container.exec",
        "        └── clnrm.container.stop",
        "",
      ].join("\n"),
    );
    assert.match((await runCli(["graph", "-f", "dot", TRACE()])).stdout, /^digraph trace \{/);
    assert.match((await runCli(["graph", "-f", "mermaid", TRACE()])).stdout, /^graph TD/);
  });

  it("analyze: the example trace against expectations that hold and ones that do not", async () => {
    const dir = tmpDir();
    const good = writeTest(
      dir,
      "good.clnrm.toml",
      '[meta]\nname = "g"\n[[scenario]]\nname = "s"\nrun = "true"\n[[expect.span]]\n' +
        'name = "clnrm.run"\nkind = "internal"\n[expect.graph]\n' +
        'must_include = [["clnrm.run", "clnrm.step"], ["clnrm.container.start", ' +
        '"clnrm.container.exec"]]\n[expect.counts]\nspans_total = { eq = 6 }\n',
    );
    const r = await runCli(["analyze", TRACE(), good]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^6 spans, digest sha256:[0-9a-f]{64}/);
    const bad = writeTest(
      dir,
      "bad.clnrm.toml",
      '[meta]\nname = "b"\n[[scenario]]\nname = "s"\nrun = "true"\n[expect.graph]\n' +
        'must_include = [["clnrm.run", "clnrm.container.exec"]]\n',
    );
    const b = await runCli(["analyze", TRACE(), bad]);
    assert.equal(b.code, 1);
    assert.match(b.stdout, /expect\.graph\.must_include\[clnrm\.run→clnrm\.container\.exec\]/);
  });

  it("diff: identical traces differ in nothing; a changed attribute is reported", async () => {
    const dir = tmpDir();
    const doc = fs.readFileSync(TRACE(), "utf8");
    const changed = writeTest(
      dir,
      "changed.json",
      doc.replace('"stringValue": "runner"', '"stringValue": "other"'),
    );
    assert.equal((await runCli(["diff", TRACE(), TRACE()])).code, 0);
    const r = await runCli(["diff", TRACE(), changed]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /~ clnrm\.run\n\s+attribute component: "runner" → "other"/);
  });
});
