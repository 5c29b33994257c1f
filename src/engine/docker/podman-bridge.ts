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
import fs from "node:fs";

/** The rule that lets frames through within a Podman bridge (setup-podman.sh adds it). */
export const PODMAN_BRIDGE_RULE: readonly string[] = [
  "DOCKER-USER",
  ...["-i", "podman+", "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"],
];

export interface BridgeCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/** `status`: 0 yes, 1 no (a missing chain or rule), anything else: cannot tell. */
function iptables(args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync("iptables", ["-w", "5", ...args], { encoding: "utf8", timeout: 10_000 });
  return { status: r.error ? null : r.status, out: r.stdout ?? "" };
}

/** Frames within a bridge pass iptables only with br_netfilter's bridge-nf-call-iptables on. */
function bridgedFramesFiltered(): boolean {
  try {
    return fs.readFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8").trim() === "1";
  } catch {
    return false; // br_netfilter not loaded
  }
}

/**
 * Whether containers of one internal Podman network can reach each other on this host;
 * undefined when it cannot be told here (a remote engine, no iptables, not root).
 */
export function checkPodmanBridge(endpoint: string): BridgeCheck | undefined {
  if (process.platform !== "linux" || !endpoint.startsWith("unix://")) return undefined;
  if (!bridgedFramesFiltered())
    return { ok: true, detail: "frames within a bridge bypass iptables (no br_netfilter)" };
  const forward = iptables(["-S", "FORWARD"]);
  if (forward.status !== 0) return undefined;
  if (!/^-P FORWARD DROP$/m.test(forward.out))
    return { ok: true, detail: "the FORWARD policy accepts (no Docker rules in the way)" };
  const chain = iptables(["-S", "DOCKER-USER"]).status;
  if (chain === 1)
    return {
      ok: false,
      detail:
        "the FORWARD policy is DROP and there is no DOCKER-USER chain (no Docker): internal " +
        "networks cannot carry traffic between their containers; accept frames within a " +
        "Podman bridge in FORWARD (`iptables -I FORWARD -i podman+ -m physdev " +
        "--physdev-is-bridged -j ACCEPT`)",
    };
  if (chain !== 0) return undefined;
  const rule = iptables(["-C", ...PODMAN_BRIDGE_RULE]).status;
  if (rule === 0)
    return { ok: true, detail: "traffic within a Podman bridge is accepted (DOCKER-USER)" };
  if (rule !== 1) return undefined;
  return {
    ok: false,
    detail:
      "Docker's FORWARD policy DROP stops traffic between the containers of an internal " +
      "Podman network (hermetic tests, the sidecar receiver): run " +
      "`CLNRM_ENGINE=podman npm run setup`, or `iptables -I " +
      `${PODMAN_BRIDGE_RULE.join(" ")}\``,
  };
}
