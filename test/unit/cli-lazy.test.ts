/**
 * The CLI loads only what a command uses. Mutations caught: a static import of a command
 * module (or of dockerode, taplo, gRPC, nunjucks, the OTel SDK) back in main.ts or in the
 * modules `--version` loads fails "--version loads no command code"; a command added, renamed
 * or re-described in its module but not in commands/index.ts fails "the command table";
 * a broken stub re-parse fails "a command runs and shows its own help"; lazy-deps.ts not
 * imported before dockerode (or dockerode moving its files) fails "run loads neither gRPC nor
 * ssh2"; a stand-in that does not delegate fails "a deferred module"; a static import of nunjucks
 * (sandbox.ts from context.ts), re2js or protobufjs back on the path of a file that is not a
 * template fails "validate loads" and "run loads".
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Command, Help } from "commander";
import { COMMAND_GROUPS } from "../../src/cli/commands/index.js";
import { VERSION } from "../../src/core/version.js";
import { deferFunctionModule, deferObjectModule } from "../../src/engine/docker/lazy-deps.js";
import { CLI, PROJECT_ROOT, runCli, tmpDir, writeTest } from "../helpers/env.js";

/** The CommonJS modules a CLI invocation loaded (dockerode, taplo, grpc, … are CommonJS). */
function loadedModules(args: readonly string[], env: NodeJS.ProcessEnv = {}): string[] {
  const script = `
    const { createRequire } = await import("node:module");
    process.argv = [process.execPath, ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}];
    process.on("exit", () => process.stderr.write("\\nLOADED " +
      JSON.stringify(Object.keys(createRequire(import.meta.url).cache))));
    await import(${JSON.stringify(CLI)});`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const m = /LOADED (.*)$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  return JSON.parse(m[1]!) as string[];
}

const HEAVY = /node_modules\/(dockerode|@taplo|@grpc|nunjucks|protobufjs|@opentelemetry|ssh2)\//;

describe("CLI: lazy command loading", () => {
  it("--version and --help load no command code", () => {
    for (const args of [["--version"], ["--help"]]) {
      const heavy = loadedModules(args).filter((f) => HEAVY.test(f));
      assert.deepEqual(heavy, [], `${args[0]} loaded ${heavy.slice(0, 5).join(", ")}`);
    }
  });

  it("validate loads no Docker, gRPC, taplo or OTel SDK code; nunjucks only for a template", () => {
    const dir = tmpDir();
    const plain = writeTest(dir, "p.clnrm.toml", '[meta]\nname = "p"\n');
    const tera = writeTest(dir, "t.clnrm.toml.tera", '[meta]\nname = "{{ "t" }}"\n');
    const lazy = /node_modules\/(nunjucks|re2js|protobufjs)\//;
    const forPlain = loadedModules(["validate", plain]);
    assert.deepEqual(
      forPlain.filter((f) => lazy.test(f)),
      [],
      "a file that is not a template loads neither nunjucks, re2js nor protobufjs",
    );
    const loaded = loadedModules(["validate", tera]);
    assert.ok(
      loaded.some((f) => /node_modules\/nunjucks\//.test(f)),
      "a template is rendered with nunjucks",
    );
    const heavy = loaded.filter((f) =>
      /node_modules\/(dockerode|@taplo|@grpc|@opentelemetry|ssh2)\//.test(f),
    );
    assert.deepEqual(heavy, []);
  });

  it("the command table lists exactly what the modules register", async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command();
      (await group.load())(
        program,
        () => ({}),
        () => undefined,
      );
      const real = program.commands.map((c) => ({
        name: c.name(),
        alias: c.aliases()[0],
        term: new Help().subcommandTerm(c),
        summary: c.description(),
      }));
      assert.deepEqual(
        real,
        group.commands.map((c) => ({ ...c })),
      );
    }
  });

  it("a command runs and shows its own help, whichever argument named it", async () => {
    assert.equal((await runCli(["--version"])).stdout.trim(), VERSION);
    const help = await runCli(["help", "run"]);
    assert.match(help.stdout, /Usage: clnrm run \[options\] \[paths\.\.\.\]/);
    assert.match(help.stdout, /--span-timeout <ms>/);
    // "run" is only the value of -c: main guesses the run module, then re-parses for validate.
    const other = await runCli(["-c", "run", "validate", "--help"]);
    assert.match(other.stdout, /Usage: clnrm validate \[options\] <paths\.\.\.>/);
    const unknown = await runCli(["nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'nope'/);
  });

  it("run loads no gRPC, ssh2 (deferred by lazy-deps), nunjucks, re2js or protobufjs", () => {
    const file = writeTest(tmpDir(), "t.clnrm.toml", '[meta]\nname = "t"\n');
    // No engine at that socket: the run loads the Docker backend, fails to ping, exits 3.
    const loaded = loadedModules(["run", "--no-cache", file], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    assert.ok(
      loaded.some((f) => /node_modules\/dockerode\//.test(f)),
      "dockerode is loaded",
    );
    const lazy = /node_modules\/(@grpc|ssh2|@taplo|nunjucks|re2js|protobufjs|tar-stream|bl)\//;
    const heavy = loaded.filter((f) => lazy.test(f) || /readable-stream/.test(f));
    assert.deepEqual(heavy, []);
  });

  it("a deferred module loads on its first call and then behaves as itself", () => {
    const dir = tmpDir();
    const file = path.join(dir, "m.cjs");
    fs.writeFileSync(
      file,
      "globalThis.__loads = (globalThis.__loads ?? 0) + 1;\n" +
        "module.exports = function (a, b) { return [this?.tag, a + b]; };\n",
    );
    const req = createRequire(path.join(dir, "x.cjs"));
    assert.equal(deferFunctionModule("./m.cjs", req), file);
    const g = globalThis as { __loads?: number };
    const fn = req("./m.cjs") as (this: unknown, a: number, b: number) => unknown;
    assert.equal(g.__loads, undefined, "not loaded by require");
    assert.deepEqual(fn.call({ tag: "t" }, 2, 3), ["t", 5]);
    assert.deepEqual(fn(1, 1), [undefined, 2]);
    assert.equal(g.__loads, 1, "loaded once, on the first call");
    assert.equal(deferFunctionModule("./missing.cjs", req), undefined);
  });

  it("a deferred constructor and a deferred object of functions load on first use", () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "ctor.cjs"),
      "globalThis.__ctor = (globalThis.__ctor ?? 0) + 1;\n" +
        "function D(x) { this.x = x; }\n" +
        "D.prototype.twice = function () { return this.x * 2; };\nmodule.exports = D;\n",
    );
    fs.writeFileSync(
      path.join(dir, "obj.cjs"),
      "globalThis.__obj = (globalThis.__obj ?? 0) + 1;\n" +
        "exports.pack = (a) => 'packed ' + a;\nexports.extract = () => 'x';\n",
    );
    const req = createRequire(path.join(dir, "x.cjs"));
    deferFunctionModule("./ctor.cjs", req);
    deferObjectModule("./obj.cjs", req);
    const g = globalThis as { __ctor?: number; __obj?: number };
    const D = req("./ctor.cjs") as new (x: number) => { twice(): number };
    const o = req("./obj.cjs") as { pack(a: string): string };
    assert.equal(g.__ctor ?? 0, 0);
    assert.equal(g.__obj ?? 0, 0);
    assert.equal(new D(21).twice(), 42, "new constructs the real class");
    assert.equal(o.pack("ctx"), "packed ctx");
    assert.equal(o.pack("again"), "packed again");
    assert.deepEqual([g.__ctor, g.__obj], [1, 1], "each loaded once, on first use");
  });
});
