/**
 * Hermetic networks with real containers: services of a hermetic test reach each other, and
 * nothing outside. Egress is proven against a listener container of our own on another network
 * of ours (never an outside address). test/podman/hermetic.test.ts runs it again on Podman, where
 * containers of one internal network could not reach each other while Docker ran beside it
 * (the DOCKER-USER rule of scripts/setup-podman.sh).
 * Mutation (by hand): `Internal: true` dropped for hermetic networks → the probe prints REACHED.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { testBench, suite } from "../helpers/env.js";
import { DOCKER_CLI } from "../helpers/probe.js";

suite("hermetic networks (real containers)", ["docker"], () => {
  const { run } = testBench();

  it(
    "a hermetic network has no egress (the same probe reaches the " +
      "listener from a normal network), while services still reach each other",
    async () => {
      // A listener container of our own on another network of ours, published on that network's
      // gateway.
      const docker = (...args: string[]): string => {
        const r = spawnSync(DOCKER_CLI, args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
        return r.stdout.trim();
      };
      const tag = `clnrm-egress-${process.pid}`;
      const port = 20000 + (process.pid % 10000);
      docker("network", "create", "--label", "clnrm.egress-test=true", tag);
      try {
        const gw = docker("network", "inspect", "-f", "{{ (index .IPAM.Config 0).Gateway }}", tag);
        docker(
          "run",
          "-d",
          "--name",
          tag,
          "--network",
          tag,
          "-p",
          `${gw}:${port}:8080`,
          "--label",
          "clnrm.egress-test=true",
          "clnrm/busybox:local",
          "sh",
          "-c",
          "mkdir -p /w && echo outside > /w/i && httpd -f -p 8080 -h /w",
        );
        const toml = `[meta]
name = "egress"
[service.inner]
image = "alpine:latest"
args = ["sh", "-c", "mkdir -p /w && echo inside > /w/i && httpd -f -p 8080 -h /w"]
health_check = { tcp_port = 8080 }
[[scenario]]
name = "reach_inner"
run = "wget -q -O - http://inner:8080/i"
expected_output_regex = "inside"
[[scenario]]
name = "probe"
run = "sh -c 'sleep 0.5; if timeout 3 wget -q -O - http://{{ target }}/i;\
 then echo REACHED; else echo BLOCKED; fi'"
`;
        const open = await run("egress.clnrm.toml", toml, ["--map", `target=${gw}:${port}`]);
        assert.equal(open.code, 0, open.stdout + open.stderr);
        assert.match(open.test.scenarios[1].steps[0].stdout, /outside\nREACHED/);
        const sealed = await run("egress-hermetic.clnrm.toml", toml, [
          "--hermetic",
          "--map",
          `target=${gw}:${port}`,
        ]);
        assert.equal(sealed.code, 0, sealed.stdout + sealed.stderr);
        assert.equal(sealed.test.scenarios[1].steps[0].stdout.trim(), "BLOCKED");
        assert.equal(sealed.test.scenarios[0].steps[0].stdout.trim(), "inside");
      } finally {
        spawnSync(DOCKER_CLI, ["rm", "-f", tag]);
        spawnSync(DOCKER_CLI, ["network", "rm", tag]);
      }
    },
  );
});
