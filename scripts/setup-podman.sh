#!/usr/bin/env bash
# Podman next to Docker (`CLNRM_ENGINE=podman npm run setup`, after the Docker set-up): installs
# rootful Podman from Debian's archive, starts its Docker-compatible API on
# unix:///run/podman/podman.sock (like dockerd: in the background, only when it does not answer)
# and loads the local images built for Docker into it, only those missing or outdated.
# Idempotent. Docker is not changed beyond one rule in its DOCKER-USER chain (below): both
# engines share the machine (iptables, their own bridges and subnets: Docker 172.17.0.0/12 +
# 192.168.0.0/16, Podman 10.88.0.0/16 + 10.89.x).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=/usr/bin/docker
SOCK=/run/podman/podman.sock
LOG=/var/log/clnrm-podman.log
PIDFILE=/run/podman/clnrm-service.pid
IMAGES=(clnrm/busybox:local clnrm/node:20)
say() { printf '[setup:podman] %s\n' "$*"; }

# Podman from Debian (4.3). Not its "Recommends" (buildah, dbus-user-session → systemd, ...),
# only what a rootful API needs: netavark + aardvark-dns (networks with DNS aliases, like
# Docker's user-defined networks) and catatonit (the init process behind `Init: true`).
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
for p in netavark aardvark-dns catatonit; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    podman netavark aardvark-dns catatonit >/dev/null
else
  say "podman already installed ($(podman --version))"
fi

# Engine settings for a machine without systemd or journald (a container, most CI runners):
# cgroupfs and file-based events and logs; netavark, so networks get DNS like Docker's (Debian
# ships a CNI config, which would select CNI). Rootful Podman raises every container's
# open-files and process limits to 1048576, which fails ("error setting rlimit type 7:
# operation not permitted") where root lacks CAP_SYS_RESOURCE (inside a container): the limits
# are the ones the engine's processes have here (conmon's process limit is capped at pid_max).
CONF=/etc/containers/containers.conf.d/50-clnrm.conf
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu); pidmax=$(cat /proc/sys/kernel/pid_max)
[ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ] && nproc=$pidmax
want=$'# written by clnrm scripts/setup-podman.sh\n[containers]\nlog_driver = "k8s-file"\n'
want+=$'init_path = "/usr/bin/catatonit"\n'
want+="default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
want+=$'\n[engine]\ncgroup_manager = "cgroupfs"\n'
want+=$'events_logger = "file"\n[network]\nnetwork_backend = "netavark"\n'
if [ "$(cat "$CONF" 2>/dev/null || true)" != "${want%$'\n'}" ]; then
  say "writing $CONF"
  mkdir -p "$(dirname "$CONF")"
  printf '%s' "${want%$'\n'}" >"$CONF"
  restart_api=1
fi

api_answers() { [ -S "$SOCK" ] && timeout 5 podman --url "unix://$SOCK" version >/dev/null 2>&1; }
service_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q 'system service' &&
    echo "$pid"
}

# A service whose working directory was deleted (started from a clone that is gone) still
# answers, but every container start fails: conmon inherits that directory ("Failed to get
# working directory", HTTP 500). Such a service is restarted, and services start from /.
if pid=$(service_pid) && [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == *"(deleted)" ]]; then
  say "the Podman API (pid $pid) runs in a deleted directory; restarting it"
  restart_api=1
fi
if [ -n "${restart_api:-}" ] && pid=$(service_pid); then
  # only the API service this script started (its pid file): it reads the new settings
  say "restarting the Podman API (pid $pid) for the new settings"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
fi
if api_answers; then
  say "Podman API already answers at unix://$SOCK"
else
  if ! service_pid >/dev/null; then
    mkdir -p "$(dirname "$SOCK")"
    rm -f "$SOCK"
    say "starting podman system service in the background (log: $LOG)"
    (cd / && exec nohup podman system service --time=0 "unix://$SOCK" >>"$LOG" 2>&1) &
    echo $! >"$PIDFILE"
  fi
  for _ in $(seq 1 120); do api_answers && break; sleep 0.5; done
  if ! api_answers; then
    say "the Podman API did not answer within 60s; last lines of $LOG:"
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  say "Podman API answers at unix://$SOCK ($(podman --url "unix://$SOCK" version --format '{{.Server.Version}}'))"
fi

# Podman beside Docker: dockerd sets the FORWARD policy to DROP, and with br_netfilter loaded
# (bridge-nf-call-iptables=1) a frame between two containers on one Podman bridge passes
# FORWARD. netavark 1.4 accepts such frames for ordinary networks (by subnet) but adds no rule
# for internal ones (`Internal: true`: clnrm's hermetic tests), so containers of one internal
# network could not reach each other: DNS answered, connections hung (the sidecar receiver,
# service to service). One rule in DOCKER-USER, the chain Docker leaves to its users, accepts
# frames bridged within a Podman bridge; traffic routed to another network or out of the host
# is not bridged and stays dropped.
# (Not persistent: a reboot or a firewall reload drops it; run the set-up again.)
if iptables -w 10 -S DOCKER-USER >/dev/null 2>&1; then
  rule=(DOCKER-USER -i podman+ -m physdev --physdev-is-bridged -j ACCEPT)
  if iptables -w 10 -C "${rule[@]}" 2>/dev/null; then
    say "iptables: traffic within a Podman bridge is already accepted (DOCKER-USER)"
  else
    say "iptables: accepting traffic within a Podman bridge (DOCKER-USER)"
    iptables -w 10 -I "${rule[@]}" ||
      say "iptables: could not add the rule (no physdev match?); see README, engines"
  fi
else
  say "iptables: no DOCKER-USER chain to read (Docker not running, no iptables, or its lock" \
    "busy): no rule added; \`clnrm health\` tells whether internal networks carry traffic"
fi

# The local images, from Docker (built by images/build.sh): loaded when missing or when
# Docker's copy has another id (rebuilt). An image's id is its config digest in both engines.
load=()
for img in "${IMAGES[@]}"; do
  want_id=$("$DOCKER" image inspect --format '{{.Id}}' "$img")
  have_id=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
  if [ "sha256:$have_id" = "$want_id" ]; then say "$img is up to date in Podman"; else load+=("$img"); fi
done
if [ ${#load[@]} -gt 0 ]; then
  say "loading ${load[*]} into Podman"
  "$DOCKER" save "${load[@]}" | podman load -q >/dev/null
fi
say "done: DOCKER_HOST=unix://$SOCK points clnrm (and the Docker CLI) at Podman"
