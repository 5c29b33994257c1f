/**
 * `clnrm health` against Podman beside Docker says whether containers of one internal Podman
 * network can reach each other (src/engine/docker/podman-bridge.ts): the DOCKER-USER rule of
 * scripts/setup-podman.sh is removed for one run of health and put back in a `finally`.
 * Mutation (by hand): checkPodmanBridge returning ok whatever iptables says → exit 0 without it.
 */
import "./use-podman.js";
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { PODMAN_BRIDGE_RULE } from "../../src/engine/docker/podman-bridge.js";
import { aliasConfig, runCli, suite, tmpDir } from "../helpers/env.js";

const iptables = (op: "-C" | "-D" | "-I"): boolean =>
  spawnSync("iptables", ["-w", "10", op, ...PODMAN_BRIDGE_RULE], { stdio: "ignore" }).status === 0;

suite("health on Podman (real Podman API, real iptables)", ["docker"], () => {
  it("checks that internal networks carry traffic; exit 3 and the fix without it", async () => {
    const dir = tmpDir();
    aliasConfig(dir);
    const ok = await runCli(["health"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✅ engine: unix:\/\/\/run\/podman\/podman\.sock: Podman 4/);
    assert.match(ok.stdout, /✅ podman internal networks: traffic within a Podman bridge is/);
    assert.ok(iptables("-D"), "the set-up's rule is there to remove");
    try {
      const bad = await runCli(["health"], { cwd: dir });
      assert.equal(bad.code, 3, bad.stdout);
      assert.match(
        bad.stdout,
        new RegExp(
          "❌ podman internal networks: Docker's FORWARD policy DROP stops traffic between the " +
            ".*`CLNRM_ENGINE=podman npm run setup`, or `iptables -I DOCKER-USER -i podman\\+",
        ),
      );
    } finally {
      if (!iptables("-C")) iptables("-I");
    }
    assert.ok(iptables("-C"), "the rule is back");
  });
});
