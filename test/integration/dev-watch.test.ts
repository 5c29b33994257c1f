/**
 * `clnrm dev --watch` edits: a real run on start, a re-run on a command change, a re-evaluation on
 * an expectation change.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { echoSpanScenario, ndjsonSpan } from "../helpers/fixtures.js";
import { aliasConfig, CLI, resourcesOfPid, tmpDir, writeTest, suite } from "../helpers/env.js";

const TEST = (word: string, expectName: string): string => `[meta]
name = "watched"
${echoSpanScenario("emit", ndjsonSpan(word))}[[expect.span]]
name = "${expectName}"
`;

suite("dev --watch (real containers)", ["docker"], () => {
  it("observes the new verdict after each save and cleans up on Ctrl-C", async () => {
    const dir = tmpDir();
    const config = aliasConfig(dir);
    const file = writeTest(dir, "w.clnrm.toml", TEST("alpha", "alpha"));
    const child = spawn(
      process.execPath,
      [CLI, "-c", config, "dev", "--watch", "--debounce-ms", "50", dir],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1" } },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const waitFor = async (re: RegExp, from: number): Promise<string> => {
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        const m = re.exec(out.slice(from));
        if (m) return m[0];
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${re}; output:\n${out}`);
    };
    try {
      await waitFor(/PASS watched in .*\n\s+\(ran in \d+ms\)/, 0);
      await waitFor(/watching/, 0);
      // Expectation-only change: re-evaluated against the spans already collected, no containers.
      let mark = out.length;
      fs.writeFileSync(file, TEST("alpha", "beta"));
      const reval = await waitFor(
        /FAIL watched[\s\S]*?\(re-evaluated the collected spans in (\d+)ms\)/,
        mark,
      );
      assert.match(reval, /expect\.span\[beta\]\.existence/);
      // A command change re-runs the test in containers.
      mark = out.length;
      fs.writeFileSync(file, TEST("beta", "beta"));
      await waitFor(/PASS watched in .*\n\s+\(ran in \d+ms\)/, mark);
      // A broken save reports the error with its location and keeps watching.
      mark = out.length;
      fs.writeFileSync(file, '[meta]\nname = "watched"\nbroken =\n');
      await waitFor(/INVALID .*w\.clnrm\.toml\nConfiguration error in .*w\.clnrm\.toml:3:/, mark);
    } finally {
      child.kill("SIGINT");
      const code = await new Promise<number | null>((r) => child.on("close", r));
      assert.equal(code, 130, out);
    }
    // only what this dev process created (label clnrm.pid): other runs on the engine do not count
    assert.deepEqual(resourcesOfPid(child.pid!), { containers: [], networks: [] });
  });
});
