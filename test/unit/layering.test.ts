/**
 * The pipeline's dependency direction, the 500-line budget and no `export *`, checked on the
 * sources.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../helpers/env.js";

/**
 * Which stages each stage may import (template → config → engine → telemetry → validate → runner
 * → report → api → cli); `index.ts`, the package entry, exports the api.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  template: ["core"],
  config: ["core", "template"],
  engine: ["core", "config"],
  telemetry: ["core", "config"],
  validate: ["core", "config", "telemetry"],
  runner: ["core", "config", "template", "engine", "telemetry", "validate"],
  report: ["core", "telemetry"],
  api: ["core", "config", "template", "engine", "telemetry", "validate", "runner", "report"],
  cli: ["core", "config", "template", "engine", "telemetry", "validate", "runner", "report", "api"],
  "index.ts": ["core", "engine", "runner", "api"],
};

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sources(path.join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [path.join(dir, e.name)]
          : [],
    );
}

describe("source layout", () => {
  const src = path.join(PROJECT_ROOT, "src");
  const files = sources(src);

  it("imports follow the pipeline direction", () => {
    const violations: string[] = [];
    for (const f of files) {
      const stage = path.relative(src, f).split(path.sep)[0]!;
      const text = fs.readFileSync(f, "utf8");
      for (const m of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
        const target = path.relative(src, path.resolve(path.dirname(f), m[1]!)).split(path.sep)[0]!;
        if (target !== stage && !ALLOWED[stage]?.includes(target))
          violations.push(`${path.relative(src, f)} imports ${m[1]} (${stage} → ${target})`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it("every file stays under 500 lines and nothing re-exports with export *", () => {
    for (const f of [
      ...files,
      ...sources(path.join(PROJECT_ROOT, "test")),
      ...sources(path.join(PROJECT_ROOT, "bench")),
    ]) {
      const text = fs.readFileSync(f, "utf8");
      assert.ok(text.split("\n").length < 500, `${f} has ${text.split("\n").length} lines`);
      assert.doesNotMatch(text, /^export \*/m, f);
    }
  });
});
