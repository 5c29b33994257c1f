#!/usr/bin/env bash
# One-command set-up: Docker engine, local images, npm dependencies, build.
# Idempotent: every step checks whether its work is already done and says what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=/usr/bin/docker
say() { printf '[setup] %s\n' "$*"; }

# A process named $1 that is alive (a zombie or a process being torn down does not count).
alive() {
  local pid state
  for pid in $(pidof "$1" 2>/dev/null || pgrep -x "$1" 2>/dev/null || true); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    case "$state" in Z|X|x|"") ;; *) return 0 ;; esac
  done
  return 1
}
engine_answers() { [ -S /var/run/docker.sock ] && timeout 5 "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [ -n "${DOCKER_HOST:-}" ] && [ -x "$DOCKER" ] && timeout 5 "$DOCKER" version >/dev/null 2>&1; then
  say "engine at DOCKER_HOST=$DOCKER_HOST answers; leaving it alone"
elif engine_answers; then
  say "Docker engine already running ($("$DOCKER" version --format '{{.Server.Version}}'))"
else
  if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null 2>&1; then
    say "installing docker.io with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
  else
    say "docker.io already installed"
  fi
  # A socket or pid file can outlive its daemon (a machine image taken while dockerd ran):
  # when no dockerd process is alive, both are stale and are removed before starting one.
  start_dockerd() {
    if [ -e /var/run/docker.sock ] || [ -e /var/run/docker.pid ]; then
      say "removing stale /var/run/docker.sock and docker.pid (no dockerd process is running)"
      rm -f /var/run/docker.sock /var/run/docker.pid
    fi
    if ! alive containerd; then rm -f /var/run/docker/containerd/containerd.pid; fi
    say "starting dockerd in the background (log: /var/log/clnrm-dockerd.log)"
    (cd / && exec nohup dockerd >>/var/log/clnrm-dockerd.log 2>&1) &   # from /: the clone may go
  }
  alive dockerd && say "dockerd is running but not answering yet; waiting"
  starts=0
  for _ in $(seq 1 240); do
    engine_answers && break
    # Started here, or one that was dying when we looked: (re)start it, at most three times.
    if ! alive dockerd && [ "$starts" -lt 3 ]; then start_dockerd; starts=$((starts + 1)); fi
    sleep 0.5
  done
  if ! engine_answers; then
    say "Docker engine did not answer within 120s; last lines of /var/log/clnrm-dockerd.log:"
    tail -n 30 /var/log/clnrm-dockerd.log >&2 || true
    exit 1
  fi
  say "Docker engine answers ($("$DOCKER" version --format '{{.Server.Version}}'))"
fi

bash images/build.sh
bash images/postgres.sh   # clnrm/postgres:15 for examples/orders-service (Debian's postgresql-15)

# CLNRM_ENGINE=podman: rootful Podman too (its Docker-compatible API next to dockerd, the local
# images loaded into it); test/podman/ then runs the engine tests against it.
case "${CLNRM_ENGINE:-docker}" in
  docker) ;;
  podman) bash scripts/setup-podman.sh ;;
  *) say "CLNRM_ENGINE must be docker or podman, not '${CLNRM_ENGINE}'"; exit 2 ;;
esac

# Test tools from Debian: chromium (the HTML report is checked in a real browser), xmllint (JUnit
# XSD) and GNU time (/usr/bin/time -v: peak RSS in the whole-process benchmark).
if ! command -v chromium >/dev/null 2>&1 || ! command -v xmllint >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
  say "installing chromium, libxml2-utils and time with apt-get (test tools)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium libxml2-utils time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium libxml2-utils time >/dev/null; }
else
  say "chromium, xmllint and time already installed"
fi

if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm dependencies up to date"
else
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The examples' own npm dependencies (OpenTelemetry SDK, pg): kept out of clnrm's dependencies.
for ex in examples/*; do
  [ -f "$ex/package-lock.json" ] || continue
  if [ -d "$ex/node_modules" ] && [ "$ex/node_modules/.package-lock.json" -nt "$ex/package-lock.json" ]; then
    say "$ex: npm dependencies up to date"
  else
    say "$ex: installing npm dependencies (npm ci)"
    (cd "$ex" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
say "building (tsc)"
npm run --silent build
say "done: run 'npm test' for the test suite, 'npx clnrm --help' for the CLI"
