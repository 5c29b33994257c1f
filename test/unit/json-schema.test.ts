/**
 * The editor JSON Schemas are generated from the loader's own schema and validate through
 * Taplo (the engine of Even Better TOML) like `validate` does: `clnrm init`'s files are clean,
 * a bad file is flagged for the same unknown key and wrong type.
 * Mutations caught: a schema not generated from TEST_FILE_SCHEMA (the `run` argv array or a
 * new key would be missing: the good file fails); additionalProperties left open (the unknown
 * key is not flagged); init without `#:schema` (the directive test fails).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import taploPkg from "@taplo/lib";
import { schemaDocument } from "../../src/config/json-schema.js";
import { loadTestSource } from "../../src/config/load.js";
import { PROJECT_ROOT, runCli, tmpDir } from "../helpers/env.js";

interface Lint {
  lint(doc: string, o: { config: unknown }): Promise<{ errors: { error: string }[] }>;
}
/** Taplo with a Node file system (its default environment cannot read files). */
async function taplo(): Promise<Lint> {
  const env = {
    cwd: () => process.cwd(),
    envVar: (n: string) => process.env[n],
    envVars: () => Object.entries(process.env),
    findConfigFile: () => undefined,
    glob: () => [],
    isAbsolute: (p: string) => path.isAbsolute(p),
    now: () => new Date(),
    readFile: async (p: string) => new Uint8Array(fs.readFileSync(p)),
    writeFile: async () => {
      throw new Error("read only");
    },
    stderr: async (b: Uint8Array) => b.length,
    stdErrAtty: () => false,
    stdin: async () => new Uint8Array(),
    stdout: async (b: Uint8Array) => b.length,
    urlToFilePath: (u: string) => decodeURIComponent(u.replace(/^file:\/\//, "")),
  };
  const { Taplo } = taploPkg as unknown as { Taplo: { initialize(e: unknown): Promise<Lint> } };
  return Taplo.initialize(env);
}
const SCHEMAS = path.join(PROJECT_ROOT, "dist/schemas");
const lintWith = async (t: Lint, doc: string, name: string) =>
  (
    await t.lint(doc, { config: { schema: { path: path.join(SCHEMAS, name), enabled: true } } })
  ).errors.map((e) => e.error);

describe("JSON Schema for editors (through Taplo)", () => {
  it("the shipped files are the schema the loader uses", () => {
    const shipped: {
      properties: { scenario: { items: { properties: { run: { anyOf: unknown[] } } } } };
    } = JSON.parse(fs.readFileSync(path.join(SCHEMAS, "clnrm-test.schema.json"), "utf8"));
    assert.deepEqual(shipped, schemaDocument("clnrm-test.schema.json"));
    assert.ok(shipped.properties.scenario.items.properties.run.anyOf.length === 2);
  });

  it(
    "clnrm init's files carry #:schema and lint clean; a bad file " + "is flagged like validate",
    async () => {
      const dir = tmpDir();
      assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
      const test = fs.readFileSync(path.join(dir, "tests/example.clnrm.toml"), "utf8");
      const config = fs.readFileSync(path.join(dir, "cleanroom.toml"), "utf8");
      const directive = /^#:schema (\S+)\n/.exec(test)?.[1];
      assert.ok(directive && fs.existsSync(path.resolve(dir, "tests", directive)), directive);
      assert.match(config, /^#:schema \S+cleanroom\.schema\.json\n/);
      const t = await taplo();
      assert.deepEqual(await lintWith(t, test, "clnrm-test.schema.json"), []);
      assert.deepEqual(await lintWith(t, config, "cleanroom.schema.json"), []);

      const bad = '[meta]\nname = "x"\nnmae = "y"\n[[scenario]]\nname = "s"\nrun = 3\n';
      const errors = await lintWith(t, bad, "clnrm-test.schema.json");
      assert.ok(
        errors.some((e) => /'nmae' was unexpected/.test(e)),
        errors.join("; "),
      );
      assert.ok(
        errors.some((e) => /^3 is not valid/.test(e)),
        errors.join("; "),
      );
      // validate agrees on both: the wrong type is an error, the unknown key is named.
      await assert.rejects(loadTestSource(bad, "/tmp/b.clnrm.toml"), /scenario\[0\]\.run/);
      const { config: c } = await loadTestSource(
        bad.replace("run = 3", 'run = "true"'),
        "/tmp/b.clnrm.toml",
      );
      assert.ok(c.warnings.some((w) => w.keyPath === "meta.nmae"));
    },
  );
});
