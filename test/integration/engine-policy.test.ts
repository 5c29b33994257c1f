/**
 * Run policies with real containers: resource limits, pull_policy "never", --fail-fast, and
 * cleanup. Split from engine.test.ts (which Podman's test/podman/engine.test.ts also runs).
 * Mutations (by hand) each check was seen to catch:
 * - NanoCpus not passed → cpu quota "-1 100000".
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runCli, testBench, writeTest, suite } from "../helpers/env.js";

suite("engine policies (real containers)", ["docker"], () => {
  const bench = testBench();
  const { dir, run } = bench;

  it("limits are applied to the container", async () => {
    const r = await run(
      "limits.clnrm.toml",
      `[meta]
name = "limits"
[limits]
memory_mb = 64
cpu_millicores = 500
[[scenario]]
name = "mem"
run = "sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null\
 || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'"
expected_output_regex = "^67108864$"
[[scenario]]
name = "cpu"
run = "sh -c 'cat /sys/fs/cgroup/cpu.max 2>/dev/null\
 || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)\
 $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)'"
expected_output_regex = "^50000 100000$"
`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // cgroup v1 and v2 both show the CFS quota over the period: 500 millicores = 50000/100000
    assert.equal(r.test.scenarios[1].steps[0].stdout.trim(), "50000 100000");
  });

  it(
    "pull_policy never: a missing image is " + "one clear error naming the image, not a hang",
    async () => {
      const cfg = path.join(dir, "never.toml");
      fs.writeFileSync(cfg, '[containers]\npull_policy = "never"\n');
      const file = writeTest(
        dir,
        "never.clnrm.toml",
        '[meta]\nname = "never"\n[service.x]\nimage = "clnrm/does-not-exist:1"\n' +
          '[[scenario]]\nname = "s"\nservice = "x"\nrun = "true"\n',
      );
      const r = await runCli(["-c", cfg, "run", file], { cwd: dir });
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          /image clnrm\/does-not-exist:1 is not present locally /.source +
            /and cannot be pulled \(pull_policy is "never"\)/.source,
        ),
      );
    },
  );

  it(
    "-j 1 --fail-fast stops starting tests " + "after the first failure; results keep input order",
    async () => {
      const files = ["a", "b", "c"].map((n, i) =>
        writeTest(
          dir,
          `ff-${n}.clnrm.toml`,
          `[meta]\nname = "ff_${n}"\n[[scenario]]\nname = "s"\n` +
            `run = "${i === 0 ? "false" : "true"}"\n`,
        ),
      );
      const r = await runCli(
        ["-c", bench.config, "run", "-j", "1", "--fail-fast", "--no-cache", ...files],
        { cwd: dir },
      );
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        new RegExp(
          /FAIL ff_a in[\s\S]*FAIL .*ff-b\.clnrm\.toml[\s\S]*/.source +
            /not run: --fail-fast stopped after a failure[\s\S]*FAIL .*ff-c\.clnrm\.toml/.source,
        ),
      );
      assert.doesNotMatch(r.stdout, /RUN .*ff-b/);
    },
  );

  it(
    "leaves no labelled container or network " + "behind (of its own runs: the engine is shared)",
    () => {
      assert.deepEqual(bench.leftovers(), { containers: [], networks: [] });
    },
  );
});
