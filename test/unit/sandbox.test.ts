/**
 * Template sandbox (issue 12). Every known nunjucks escape must be a Template error and must not
 * run code in the clnrm process (the payload sets a global canary).
 * Mutations caught: dropping installSandbox() (the escapes render the canary and no error is
 * thrown); dropping the function-member check (range.call/apply chains); dropping the callWrap
 * constructor check (the `get(key="constructor")` filter chain); dropping the prototype-key
 * check in buildContext (--map __proto__.x pollutes Object.prototype); dropping the include
 * confinement (/etc/hostname is read); dropping the [report] / report_dir checks (a test file
 * could write to /tmp/x or ../../x).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { TemplateRenderer } from "../../src/template/render.js";
import { CleanroomError } from "../../src/core/errors.js";
import { loadTestSource } from "../../src/config/load.js";
import { loadProjectConfig } from "../../src/config/project.js";
import { tmpDir } from "../helpers/env.js";

const r = new TemplateRenderer();
const PAYLOAD = '"globalThis.__clnrmPwned = 1; return 7"';
const g = globalThis as Record<string, unknown>;
const proto = Object.prototype as Record<string, unknown>;

const ESCAPES: ReadonlyArray<[string, string]> = [
  ["range.constructor", `{{ range.constructor(${PAYLOAD})() }}`],
  ["cycler.constructor", `{{ cycler.constructor(${PAYLOAD})() }}`],
  ["joiner.constructor", `{{ joiner.constructor(${PAYLOAD})() }}`],
  ["literal string", `{{ "".constructor.constructor(${PAYLOAD})() }}`],
  ["array literal", `{{ [].constructor.constructor(${PAYLOAD})() }}`],
  ["dict literal subscript", `{{ ({})["constructor"]["constructor"](${PAYLOAD})() }}`],
  ["__proto__ chain (nunjucks#338)", `{{ a.constructor.__proto__.constructor(${PAYLOAD})() }}`],
  ["computed key", `{{ range["con" + "structor"](${PAYLOAD})() }}`],
  ["key from set", `{% set c = "constructor" %}{{ range[c](${PAYLOAD})() }}`],
  ["bare constructor", `{{ constructor.constructor(${PAYLOAD})() }}`],
  ["bare __proto__", `{{ __proto__ }}`],
  ["prototype", `{{ range.prototype }}`],
  ["function member call", `{{ range.call.call(range, 1, 3) }}`],
  ["function member apply", `{{ range.apply }}`],
  ["template function member", `{{ __fn_env.constructor }}`],
  ["array method member", `{{ [].map.constructor(${PAYLOAD})() }}`],
  ["string method member", `{{ "x".sub.call }}`],
  [
    "filter chain via get",
    `{{ (x | get(key="constructor") | get(key="constructor"))(${PAYLOAD})() }}`,
  ],
  ["set __proto__", `{% set __proto__ = range %}{{ call }}`],
  ["set dotted __proto__", `{% set x = {} %}{% set x.__proto__.clnrmPolluted = 1 %}{{ x }}`],
  ["macro named constructor", `{% macro constructor() %}x{% endmacro %}{{ constructor() }}`],
  ["top-level macro __proto__", `{% macro __proto__() %}x{% endmacro %}{{ bind }}`],
  ["for loop variable", `{% for constructor in [1] %}{{ constructor }}{% endfor %}`],
  [
    "caller member",
    `{% macro m() %}{{ caller.constructor }}{% endmacro %}{% call m() %}x{% endcall %}`,
  ],
  ["loop member", `{% for i in [1] %}{{ loop.constructor.constructor(${PAYLOAD})() }}{% endfor %}`],
  ["__defineGetter__", `{% set o = {} %}{{ o.__defineGetter__("a", range) }}`],
  ["vars object", `{{ vars.constructor.constructor(${PAYLOAD})() }}`],
];

afterEach(() => {
  delete g.__clnrmPwned;
  delete proto.clnrmPolluted;
  delete proto.x;
});

describe("template sandbox", () => {
  for (const [name, src] of ESCAPES) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(
        r.render(src, { env: {}, map: { x: "{}" }, file: "t.clnrm.toml.tera" }),
        (e: unknown) => {
          assert.ok(e instanceof CleanroomError, `not a CleanroomError: ${String(e)}`);
          assert.equal(e.kind, "Template");
          return true;
        },
      );
      assert.equal(g.__clnrmPwned, undefined, "the payload ran in the clnrm process");
      assert.equal(proto.clnrmPolluted, undefined, "Object.prototype was polluted");
    });
  }

  it("still renders ordinary templates (members, methods, loops, macros, filters)", async () => {
    const out = await r.render(
      '{% set o = {"a": [1, 2]} %}{% for i in o.a %}{{ i }}{% endfor %}|{{ "a,b".split(",") | ' +
        'join(sep="+") }}|{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m("y") }}|{{ range(end=2) | ' +
        'join(sep="") }}|{{ [{"n":"b"},{"n":"a"}] | sort(attribute="n") | first | ' +
        'get(key="n") }}',
      { env: {} },
    );
    assert.equal(out.text, "12|a+b|<y>|01|a");
  });

  it("refuses --map and [vars] keys that touch prototypes", async () => {
    for (const key of ["__proto__.x", "constructor.prototype.x", "a.__proto__"]) {
      await assert.rejects(r.render("a = {{ svc }}", { env: {}, map: { [key]: "1" } }), (e) => {
        assert.ok(e instanceof CleanroomError);
        assert.equal(e.kind, "Template");
        assert.match(e.message, /--map key `.*` would touch an object prototype/);
        return true;
      });
      assert.equal(proto.x, undefined);
    }
    const src = '[vars.__proto__]\nclnrmPolluted = "yes"\n[meta]\nname = "{{ svc }}"\n';
    await assert.rejects(r.render(src, { env: {}, file: "v.clnrm.toml" }), (e) => {
      assert.ok(e instanceof CleanroomError);
      assert.equal(e.kind, "Configuration");
      assert.match(e.message, /\[vars\] key `vars.__proto__` would touch an object prototype/);
      return true;
    });
  });

  it("confines import/include to the test's directory", async () => {
    const dir = tmpDir("clnrm-sandbox-");
    try {
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "sub", "part.tera"), "ok");
      const file = path.join(dir, "t.clnrm.toml.tera");
      assert.equal((await r.render('{% include "sub/part.tera" %}', { env: {}, file })).text, "ok");
      for (const target of ["/etc/hostname", "../../../../etc/hostname"]) {
        await assert.rejects(r.render(`{% include "${target}" %}`, { env: {}, file }), (e) => {
          assert.ok(e instanceof CleanroomError);
          assert.match(e.message, /outside the test's directory/);
          return true;
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("report paths from configuration files", () => {
  const V07 =
    '[meta]\nname = "t"\n[service.api]\nimage = "alpine:latest"\n[[scenario]]\nname = ' +
    '"s"\nservice = "api"\nrun = "true"\n';
  it("refuses [report] paths outside the report directory, with the key and line", async () => {
    for (const p of ["/tmp/clnrm-evil.json", "../../evil.json", "a/../../evil.json"]) {
      await assert.rejects(
        loadTestSource(`${V07}[report]\njson = "${p}"\n`, "t.clnrm.toml", { env: {} }),
        (e: unknown) => {
          assert.ok(e instanceof CleanroomError);
          assert.equal(e.kind, "Configuration");
          assert.match(e.message, /report\.json.*leaves the report directory/s);
          assert.equal(e.context.line, 10);
          return true;
        },
      );
    }
    const ok = await loadTestSource(`${V07}[report]\njson = "a/../r.json"\n`, "t.clnrm.toml", {
      env: {},
    });
    assert.equal(ok.config.report?.json, "a/../r.json");
  });

  it("refuses a report_dir outside the project in cleanroom.toml, not from the environment", () => {
    const dir = tmpDir("clnrm-rdir-");
    try {
      fs.writeFileSync(path.join(dir, "cleanroom.toml"), '[reporting]\nreport_dir = "/tmp"\n');
      assert.throws(
        () => loadProjectConfig({ cwd: dir, env: {} }),
        (e: unknown) =>
          e instanceof CleanroomError &&
          /report_dir "\/tmp" is outside the project/.test(e.message),
      );
      const p = loadProjectConfig({ cwd: dir, env: { CLEANROOM_REPORTING_REPORT_DIR: "/tmp" } });
      assert.equal(p.reportDir, "/tmp");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
