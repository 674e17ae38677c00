#!/usr/bin/env bash
# Builds deploy/Containerfile as docs/operations.md says, with no image registry: a Debian 13
# base made with debootstrap from Debian's mirror and `podman import`ed, the release made by
# `npm run package`; then runs the image: it is non-root, has no compiler or npm, prints the
# version, serves on SQLite (/readyz answers), and stops cleanly. For CI (root, podman,
# debootstrap); about 4 minutes, most of it debootstrap and apt.
#   bash scripts/container-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/sso-container-XXXXXX)
base=localhost/sso-ci-base:$$
tag=localhost/sso-ci:$$
name=sso-ci-$$
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman rmi -f "$tag" "$base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '[container] %s\n' "$*"; }
t0=$SECONDS

say "base image: debootstrap trixie from $mirror"
debootstrap --variant=minbase trixie "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
tar -C "$work/rootfs" -c . | podman import --quiet - "$base" >/dev/null
rm -rf "$work/rootfs"
say "base ready ($((SECONDS - t0)) s)"

say "release: npm run package"
mkdir -p "$work/context/release"
node scripts/package.mjs --out "$work/context/release" | tail -n 2
version=$(node -p "require('./package.json').version")

say "build: deploy/Containerfile"
# chroot isolation: RUN steps need no OCI runtime or cgroups of their own (CI runs in a VM or a container)
podman build --quiet --isolation=chroot --build-arg BASE="$base" -f deploy/Containerfile -t "$tag" "$work/context" >/dev/null
say "built ($((SECONDS - t0)) s)"

# an OCI runtime that starts here: podman's default; else (a VM without CAP_SYS_RESOURCE and with
# hybrid cgroups, as CI's) runc with limits no higher than this process's, which need no privilege
rt=()
if ! podman run --rm "$tag" --version >/dev/null 2>&1; then
  lower() { local v; v=$(ulimit "$1"); if [ "$v" = unlimited ] || [ "$v" -gt "$2" ]; then echo "$2"; else echo "$v"; fi; }
  rt=(--runtime runc --ulimit "nofile=$(lower -Hn 16384)" --ulimit "nproc=$(lower -Hu 4096)")
fi

user=$(podman image inspect --format '{{.Config.User}}' "$tag")
[ "$user" = sso ] || { echo "image runs as '$user', not sso" >&2; exit 1; }
out=$(podman run --rm "${rt[@]}" --entrypoint /bin/sh "$tag" -c 'id -un; for c in cc gcc g++ c++ make python3 npm node-gyp; do if command -v "$c" >/dev/null; then echo "build tool in image: $c"; fi; done; test ! -e /opt/sso/src || echo "source in image"; node /opt/sso/bin/sso.js --version')
[ "$out" = "$(printf 'sso\n%s' "$version")" ] || { echo "unexpected: $out" >&2; exit 1; }
say "runs as sso, no build tools, sso --version = $version"

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
mkdir -m 0755 "$work/secrets"
head -c 48 /dev/urandom | base64 -w0 >"$work/secrets/cookie_keys"
head -c 48 /dev/urandom | base64 -w0 >"$work/secrets/key_encryption_secret"
chmod 0644 "$work/secrets"/*
podman run -d "${rt[@]}" --name "$name" --network host \
  -e PORT="$port" -e HOST=127.0.0.1 -e ISSUER="http://127.0.0.1:$port" -e SYNC_INTERVAL=0 \
  -v "$work/secrets:/run/secrets:ro" -e COOKIE_KEYS_FILE=/run/secrets/cookie_keys -e KEY_ENCRYPTION_SECRET_FILE=/run/secrets/key_encryption_secret \
  "$tag" >/dev/null
ready=
for _ in $(seq 1 300); do
  if ready=$(node -e "fetch('http://127.0.0.1:$port/readyz').then(r=>r.text()).then(t=>{console.log(t)}).catch(()=>process.exit(1))" 2>/dev/null); then break; fi
  [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || { podman logs "$name" >&2; exit 1; }
  sleep 0.2
done
[ -n "$ready" ] || { echo "not ready within 60 s" >&2; podman logs "$name" >&2; exit 1; }
say "serving: /readyz $ready"
podman stop --time 20 "$name" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
podman logs "$name" 2>&1 | grep -q '"mode":"production"' || { echo "not in production mode" >&2; exit 1; }
podman logs "$name" 2>&1 | grep -q 'sso.stopped' || { echo "no sso.stopped in the log" >&2; podman logs "$name" >&2; exit 1; }
[ "$code" = 0 ] || { echo "exit code $code after SIGTERM" >&2; exit 1; }
say "stopped cleanly; all checks passed in $((SECONDS - t0)) s"
