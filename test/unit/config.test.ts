import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { loadTestFile, loadTestSource } from "../../src/config/load.js";
import { shellWords } from "../../src/config/shell-words.js";
import { loadProjectConfig, resolveImage } from "../../src/config/project.js";
import { discoverTestFiles } from "../../src/config/discover.js";
import { CleanroomError } from "../../src/core/errors.js";
import { CONFORMANCE, tmpDir, writeTest, suite } from "../helpers/env.js";

const load = (src: string) =>
  loadTestSource(src, "t.clnrm.toml", { env: {} }).then((l) => l.config);
const rejects = async (
  src: string,
  re: RegExp,
  check?: (e: CleanroomError) => void,
): Promise<void> => {
  await assert.rejects(load(src), (e: unknown) => {
    assert.ok(e instanceof CleanroomError, String(e));
    assert.match(e.message, re);
    check?.(e);
    return true;
  });
};
const V07 =
  '[meta]\nname = "t"\nversion = "1"\n[service.api]\nimage = "alpine:latest"\n[[scenario]]\n' +
  'name = "s"\nservice = "api"\nrun = "echo hi"\n';

describe("config: schema and model", () => {
  it("builds the v0.7 model with argv split like a shell", async () => {
    const c = await load(
      `${V07}[[scenario]]\nname = "q"\nservice = "api"\nrun = "sh -lc 'echo \\"a b\\"; exit 0'"\n`,
    );
    assert.equal(c.format, "v0.7");
    assert.deepEqual(c.scenarios[1]!.argv, ["sh", "-lc", 'echo "a b"; exit 0']);
  });

  it("rejects a scenario that names an unknown service, with the key path and line", async () => {
    await rejects(
      '[meta]\nname = "t"\n[[scenario]]\nname = "a"\nrun = "true"\n[[scenario]]\nname = "b"\n' +
        'service = "db"\nrun = "true"\n',
      /scenario\[1\]\.service: unknown service "db"/,
      (e) => {
        assert.equal(e.context.line, 8);
        assert.equal(e.context.keyPath, "scenario[1].service");
      },
    );
  });

  it("rejects wrong types and values out of range", async () => {
    await rejects(
      `${V07}[[expect.span]]\nname = "x"\nkind = "sideways"\n`,
      /expect\.span\[0\]\.kind: "sideways" is not one of/,
    );
    await rejects(
      `${V07}[otel]\nexporter = "otlp"\nsample_ratio = 2.0\n`,
      /otel\.sample_ratio: must be ≤ 1/,
    );
    await rejects(
      `${V07}[expect.graph]\nmust_include = [["a"]]\n`,
      /must_include\[0\]: expected exactly 2 elements/,
    );
  });

  it("reserves the sidecar receiver's alias as a service name", async () => {
    await rejects(
      `${V07}[services.clnrm-otel]\nimage = "alpine:latest"\n`,
      /services\.clnrm-otel: the service name "clnrm-otel" is reserved: it is the network alias/,
      (e) => assert.equal(e.context.line, 10),
    );
    await rejects(`${V07}[service.CLNRM-OTEL]\nimage = "x"\n`, /service\.CLNRM-OTEL: .* reserved/);
  });

  it("detects depends_on cycles", async () => {
    await rejects(
      '[meta]\nname = "t"\n[service.a]\nimage = "x"\ndepends_on = ["b"]\n[service.b]\n' +
        'image = "x"\ndepends_on = ["a"]\n[[scenario]]\nname = "s"\nrun = "true"\n',
      /dependency cycle: a → b → a/,
    );
  });

  it("keeps unknown keys out of the model and reports them as warnings", async () => {
    const c = await load(`${V07}[otel_expectations]\nminimum_spans = 4\n`);
    assert.ok(
      c.warnings.some((w) => w.keyPath === "otel_expectations" && /unknown key/.test(w.message)),
    );
    assert.equal((c as unknown as Record<string, unknown>).otel_expectations, undefined);
  });

  it('accepts attrs.any as a table and as ["k=v"]', async () => {
    const a = await load(
      `${V07}[[expect.span]]\nname = "x"\nattrs.any = ["step.name=hello", "status=ok"]\n`,
    );
    const b = await load(
      `${V07}[[expect.span]]\nname = "x"\nattrs.any = { "step.name" = "hello", status = "ok" }\n`,
    );
    assert.deepEqual(a.expect.spans[0]!.attrsAny, { "step.name": "hello", status: "ok" });
    assert.deepEqual(a.expect.spans[0]!.attrsAny, b.expect.spans[0]!.attrsAny);
  });

  it("treats plugin aliases as generic_container and rejects unknown plugins", async () => {
    const c = await load(
      '[test.metadata]\nname = "t"\n[services.x]\nplugin = "alpine"\nimage = "alpine:latest"\n' +
        '[[steps]]\nname = "s"\ncommand = ["true"]\n',
    );
    assert.equal(c.services[0]!.plugin, "generic_container");
    await rejects(
      '[test.metadata]\nname = "t"\n[services.x]\nplugin = "quantum"\nimage = "a"\n[[steps]]\n' +
        'name = "s"\ncommand = ["true"]\n',
      /unknown plugin "quantum"/,
    );
  });

  it("gives TOML errors file:line:col, the line with a caret, and hints", async () => {
    await rejects('[meta]\nname="x" ; version="1"\n', /invalid TOML/, (e) => {
      assert.equal(e.location(), "t.clnrm.toml:2:10");
      assert.match(e.context.codeFrame ?? "", /\^/);
      assert.match(e.hint ?? "", /one `key = value` per line/);
    });
    // TOML 1.1 multi-line inline tables are accepted (smol-toml implements TOML 1.1).
    const c = await load(
      '[meta]\nname = "x"\n[[scenario]]\nname = "s"\nrun = "x"\nenv = { A = "1",\n  B = "2" }\n',
    );
    assert.deepEqual({ ...c.scenarios[0]!.env }, { A: "1", B: "2" });
  });

  it("splits shell words like upstream and rejects unbalanced quotes", () => {
    assert.deepEqual(shellWords(`echo 'a b' "c \\"d\\"" e\\ f`), ["echo", "a b", 'c "d"', "e f"]);
    assert.throws(() => shellWords("echo 'oops"), /unbalanced single quote/);
  });
});

describe("config: project cleanroom.toml", () => {
  it("has defaults, honours CLEANROOM_* overrides and image aliases", () => {
    const dir = tmpDir();
    writeTest(
      dir,
      "cleanroom.toml",
      '[containers]\ndefault_image = "busybox:latest"\n[images.aliases]\n' +
        '"alpine:latest" = "clnrm/busybox:local"\n',
    );
    const p = loadProjectConfig({ cwd: dir, env: { CLEANROOM_CLI_JOBS: "3" } });
    assert.equal(p.defaultImage, "busybox:latest");
    assert.equal(p.jobs, 3);
    assert.equal(p.pullPolicy, "if-not-present");
    assert.deepEqual(resolveImage(p, "alpine:latest"), {
      image: "clnrm/busybox:local",
      aliasedFrom: "alpine:latest",
    });
    assert.deepEqual(resolveImage(p, "alpine"), {
      image: "clnrm/busybox:local",
      aliasedFrom: "alpine",
    });
    assert.deepEqual(resolveImage(p, "other:1"), { image: "other:1" });
  });

  it("rejects bad values with the key path", () => {
    const dir = tmpDir();
    writeTest(dir, "cleanroom.toml", '[containers]\npull_policy = "sometimes"\n');
    assert.throws(
      () => loadProjectConfig({ cwd: dir }),
      /containers\.pull_policy: "sometimes" is not one of/,
    );
  });

  it("discovers *.clnrm.toml and *.clnrm.toml.tera only, sorted", () => {
    const dir = tmpDir();
    for (const f of ["b.clnrm.toml", "a.clnrm.toml.tera", "Cargo.toml", "cleanroom.toml", "c.txt"])
      writeTest(dir, f, "");
    assert.deepEqual(
      discoverTestFiles([dir]).map((f) => path.basename(f)),
      ["a.clnrm.toml.tera", "b.clnrm.toml"],
    );
  });
});

suite("conformance: validate rows", ["shared"], () => {
  const fuzz = (f: string): string =>
    path.join(CONFORMANCE, "tests/fuzz/corpus/fuzz_toml_parser", f);
  for (const f of [
    "valid_basic.toml",
    "valid_with_service.toml",
    "edge_unicode.toml",
    "edge_nested_quotes.toml",
  ])
    it(`${f} is valid`, async () => {
      const { config } = await loadTestFile(fuzz(f));
      assert.ok(config.name.length > 0);
    });

  it("edge_empty_name.toml: the name must not be empty (file and key path)", async () => {
    await assert.rejects(
      loadTestFile(fuzz("edge_empty_name.toml")),
      (e: unknown) =>
        e instanceof CleanroomError &&
        e.context.keyPath === "test.metadata.name" &&
        /must not be empty/.test(e.message) &&
        e.context.line === 2,
    );
  });

  for (const [f, line] of [
    ["malformed_duplicate_keys.toml", 3],
    ["malformed_unclosed_bracket.toml", 1],
  ] as const)
    it(`${f}: parse error with file:line:col and the line`, async () => {
      await assert.rejects(
        loadTestFile(fuzz(f)),
        (e: unknown) =>
          e instanceof CleanroomError &&
          e.kind === "Configuration" &&
          e.context.line === line &&
          e.context.column !== undefined &&
          /\|.*\n.*\^/.test(e.context.codeFrame ?? ""),
      );
    });

  it(
    "clnrm_otel_full_surface: parse error at the first ;-separated line, " + "with the hint",
    async () => {
      await assert.rejects(
        loadTestFile(
          path.join(CONFORMANCE, "tests/fake_green_detection/clnrm_otel_full_surface.clnrm.toml"),
        ),
        (e: unknown) => {
          assert.ok(e instanceof CleanroomError);
          assert.equal(e.context.line, 7);
          assert.match(e.hint ?? "", /one `key = value` per line/);
          return true;
        },
      );
    },
  );
});
