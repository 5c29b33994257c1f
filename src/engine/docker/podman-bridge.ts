/**
 * Podman beside Docker on one Linux host: dockerd sets the iptables FORWARD policy to DROP, and
 * with br_netfilter a frame between two containers of one bridge passes FORWARD. netavark 1.4
 * accepts such frames for ordinary networks but adds no rule for internal ones, so on an
 * internal Podman network (clnrm's hermetic tests) services and the sidecar receiver resolve
 * each other's names and then hang on every connection. `scripts/setup-podman.sh` adds one rule
 * to DOCKER-USER; `clnrm health` asks iptables whether it is there (no library reads netfilter
 * rules, so this runs the `iptables` command, as argv, only for a local engine socket).
 */
import { spawnSync } from "node:child_process";

/** The rule that lets frames through within a Podman bridge (setup-podman.sh adds it). */
export const PODMAN_BRIDGE_RULE: readonly string[] = [
  "DOCKER-USER",
  ...["-i", "podman+", "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"],
];

export interface BridgeCheck {
  readonly ok: boolean;
  readonly detail: string;
}

function iptables(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync("iptables", ["-w", "5", ...args], { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, out: r.stdout ?? "" };
}

/**
 * Whether containers of one internal Podman network can reach each other on this host;
 * undefined when it cannot be told here (a remote engine, no iptables, not root).
 */
export function checkPodmanBridge(endpoint: string): BridgeCheck | undefined {
  if (process.platform !== "linux" || !endpoint.startsWith("unix://")) return undefined;
  const forward = iptables(["-S", "FORWARD"]);
  if (!forward.ok) return undefined;
  if (!/^-P FORWARD DROP$/m.test(forward.out))
    return { ok: true, detail: "the FORWARD policy accepts (no Docker rules in the way)" };
  if (!iptables(["-S", "DOCKER-USER"]).ok)
    return {
      ok: false,
      detail:
        "the FORWARD policy is DROP and there is no DOCKER-USER chain: internal networks " +
        "cannot carry traffic between their containers",
    };
  if (iptables(["-C", ...PODMAN_BRIDGE_RULE]).ok)
    return { ok: true, detail: "traffic within a Podman bridge is accepted (DOCKER-USER)" };
  return {
    ok: false,
    detail:
      "Docker's FORWARD policy DROP stops traffic between the containers of an internal " +
      "Podman network (hermetic tests, the sidecar receiver): run " +
      "`CLNRM_ENGINE=podman npm run setup`, or `iptables -I " +
      `${PODMAN_BRIDGE_RULE.join(" ")}\``,
  };
}
