#!/usr/bin/env bash
# Builds clnrm/postgres:15 offline from Debian's postgresql-15 package (no registry):
#  - the host's postgres binaries (installed with apt-get when missing; no host server is
#    started), the shared libraries `ldd` lists for them, the share files and UTC time zone,
#  - busybox for a shell (pg_isready is there too, for health checks),
#  - a cluster initialised at build time (initdb -A trust, UTF8, C locale) owned by the image's
#    `postgres` user, so a container is ready in about a second.
# Rebuilt only when the image is missing or this recipe or the package version changed
# (label clnrm.recipe). The examples use it: examples/orders-service.
set -euo pipefail
cd "$(dirname "$0")"
DOCKER=/usr/bin/docker
IMAGE=clnrm/postgres:15
PG=/usr/lib/postgresql/15
say() { printf '[images] %s\n' "$*"; }

if [ ! -x "$PG/bin/postgres" ]; then
  say "installing postgresql-15 with apt-get (for its binaries; no host server is started)"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101 keeps the package scripts from starting a host server (the package may
  # create its default cluster; it stays stopped and unused).
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ "$had_policy" = 1 ] || printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  apt_install() {
    apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
      -o Dpkg::Options::=--force-confold postgresql-15 >/dev/null
  }
  apt_install 2>/dev/null || { apt-get update -qq && apt_install; }
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
fi

pkg_version=$(dpkg-query -W -f '${Version}' postgresql-15 2>/dev/null || echo unknown)
recipe_sha=$( (sha256sum postgres.sh; echo "$pkg_version") | sha256sum | cut -c1-16)
have=$("$DOCKER" image inspect --format '{{ index .Config.Labels "clnrm.recipe" }}' "$IMAGE" \
  2>/dev/null || true)
if [ "$have" = "$recipe_sha" ]; then
  say "$IMAGE is up to date"
  exit 0
fi
say "building $IMAGE (postgresql-15 $pkg_version)"
start=$(date +%s%N)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; chmod 755 "$tmp"
root=$tmp/root
mkdir -p "$root$PG/bin" "$root$PG/lib" "$root/usr/share/postgresql" "$root/usr/share/zoneinfo/Etc" \
  "$root/bin" "$root/tmp" "$root/etc" "$root/var/run/postgresql" "$root/var/lib/postgresql"
for b in postgres initdb pg_ctl pg_isready psql; do
  f=$PG/bin/$b
  [ -e "$f" ] || f=/usr/bin/$b
  cp -L "$f" "$root$PG/bin/$b"
done
# Every loadable module except the LLVM JIT (jit = off below; libLLVM alone is ~100 MB).
find "$PG/lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' -exec cp -L {} "$root$PG/lib/" \;
cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/15"
rm -rf "$root/usr/share/postgresql/15/man" "$root/usr/share/postgresql/15/extension"/*--*--*.sql
cp -L /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/UTC"
cp -L /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/Etc/UTC"
for f in "$root$PG/bin"/* "$root$PG/lib"/*.so; do
  for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
    [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
  done
done
BUSYBOX=/bin/busybox
cp "$BUSYBOX" "$root/bin/busybox"
for a in sh cat echo env ls sleep id; do ln -sf busybox "$root/bin/$a"; done
chmod 1777 "$root/tmp"
# The image's postgres user has the host postgres user's ids, so the files initdb writes below
# (owned by those ids) belong to it in the image too.
uid=$(id -u postgres); gid=$(id -g postgres)
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:%s:%s:PostgreSQL:/var/lib/postgresql:/bin/sh\n' \
  "$uid" "$gid" >"$root/etc/passwd"
printf 'root:x:0:\npostgres:x:%s:\n' "$gid" >"$root/etc/group"
data=$root/var/lib/postgresql/data
chown "$uid:$gid" "$root/var/lib/postgresql" "$root/var/run/postgresql"
runuser -u postgres -- env TZ=UTC "$PG/bin/initdb" -D "$data" -A trust -U postgres -E UTF8 \
  --locale=C --no-sync >/dev/null
cat >>"$data/postgresql.conf" <<'EOF'
# clnrm/postgres:15: a throw-away test database
listen_addresses = '*'
unix_socket_directories = '/var/run/postgresql'
jit = off
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
EOF
echo 'host all all 0.0.0.0/0 trust' >>"$data/pg_hba.conf"
tar -C "$root" --numeric-owner -c . | "$DOCKER" import \
  -c "ENV PATH=$PG/bin:/bin PGDATA=/var/lib/postgresql/data" -c 'USER postgres' \
  -c 'EXPOSE 5432' -c "CMD [\"postgres\", \"-D\", \"/var/lib/postgresql/data\"]" \
  -c "LABEL clnrm.recipe=$recipe_sha" - "$IMAGE" >/dev/null
say "$IMAGE built in $(( ($(date +%s%N) - start) / 1000000 )) ms"
