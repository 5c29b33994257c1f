#!/usr/bin/env bash
# Builds the local images clnrm and its tests use. No registry is contacted:
#  - clnrm/busybox:local  busybox-static with every applet, a writable /tmp, /etc/passwd (docker import)
#  - clnrm/node:20        FROM scratch + the host's node binary and its shared libraries + busybox for a shell
# Each image is rebuilt only when it is missing or its recipe changed (label clnrm.recipe=<sha>).
set -euo pipefail
cd "$(dirname "$0")"
DOCKER=/usr/bin/docker
say() { printf '[images] %s\n' "$*"; }
recipe_sha=$(sha256sum build.sh | cut -c1-16)
current() { "$DOCKER" image inspect --format '{{ index .Config.Labels "clnrm.recipe" }}' "$1" 2>/dev/null || true; }

BUSYBOX=$(command -v busybox || true)
if [ -z "$BUSYBOX" ] || ! "$BUSYBOX" --list >/dev/null 2>&1 || ! file -L "$BUSYBOX" 2>/dev/null | grep -q static; then
  if [ ! -x /bin/busybox ] || ! file -L /bin/busybox 2>/dev/null | grep -q static; then
    say "installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static file >/dev/null 2>&1 || \
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static file >/dev/null; }
  fi
  BUSYBOX=/bin/busybox
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if [ "$(current clnrm/busybox:local)" = "$recipe_sha" ]; then
  say "clnrm/busybox:local is up to date"
else
  say "building clnrm/busybox:local"
  root=$tmp/bb; mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp "$BUSYBOX" "$root/bin/busybox"
  for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"; done
  chmod 1777 "$root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar -C "$root" -c . | "$DOCKER" import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' \
    -c "LABEL clnrm.recipe=$recipe_sha" - clnrm/busybox:local >/dev/null
fi

if [ "$(current clnrm/node:20)" = "$recipe_sha" ]; then
  say "clnrm/node:20 is up to date"
else
  say "building clnrm/node:20"
  NODE=$(readlink -f "$(command -v node)")
  ctx=$tmp/node; mkdir -p "$ctx/root/usr/bin" "$ctx/root/bin" "$ctx/root/tmp" "$ctx/root/etc"
  cp "$NODE" "$ctx/root/usr/bin/node"
  for lib in $(ldd "$NODE" | grep -o '/[^ ]*'); do mkdir -p "$ctx/root$(dirname "$lib")"; cp -L "$lib" "$ctx/root$lib"; done
  cp "$BUSYBOX" "$ctx/root/bin/busybox"
  for a in sh cat echo env ls sleep wget; do ln -sf busybox "$ctx/root/bin/$a"; done
  chmod 1777 "$ctx/root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$ctx/root/etc/passwd"
  printf 'FROM scratch\nCOPY root/ /\nENV PATH=/usr/bin:/bin\nLABEL clnrm.recipe=%s\nCMD ["node"]\n' "$recipe_sha" > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 "$DOCKER" build -q -t clnrm/node:20 "$ctx" >/dev/null
fi
say "images ready: clnrm/busybox:local clnrm/node:20"
