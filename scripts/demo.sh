#!/usr/bin/env bash
# The main job end to end, on an OCI layout on disk, no server and no daemon:
#   build an image from examples/hello on the empty base, set its config, copy it through the
#   archive transports and back, verify every blob, and unpack it into a runtime bundle.
# Usage: npm run demo [-- WORKDIR]   (default: a fresh temp directory, kept so you can look)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
node=node
[ -x "$here/node_modules/.bin/node" ] && node="$here/node_modules/.bin/node"
ocikit() { "$node" "$here/bin/ocikit.js" "$@"; }
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/ocikit-demo.XXXXXX")}
mkdir -p "$work"
layout="$work/layout"
step() { printf '\n== %s\n' "$*" >&2; }

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

step "build: one layer from examples/hello on the empty base (reproducible: SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
ocikit append scratch "$here/examples/hello" -t "oci:$layout:base"

step "mutate: entrypoint, env, workdir, labels"
ocikit mutate "oci:$layout:base" -t "oci:$layout:hello" \
  --entrypoint '["/bin/cat"]' --cmd '/app/hello.txt' --env GREETING=hello --workdir /app \
  --label org.opencontainers.image.title=hello --annotation org.opencontainers.image.version=1.0.0

step "inspect"
ocikit inspect "oci:$layout:hello"

step "copy: layout -> oci-archive -> docker-archive (Docker v2.2, uncompressed) -> layout (OCI, zstd)"
ocikit copy -q "oci:$layout:hello" "oci-archive:$work/hello-oci.tar:hello"
ocikit copy -q --format docker "oci-archive:$work/hello-oci.tar:hello" "docker-archive:$work/hello-docker.tar:demo/hello:1.0"
ocikit copy -q --format oci --compression zstd "docker-archive:$work/hello-docker.tar" "oci:$layout:hello-zstd"
step "diff: the round trip changed no file (only the compression)"
changes=$(ocikit diff "oci:$layout:hello" "oci:$layout:hello-zstd")
[ -z "$changes" ] && echo "no changes" || { echo "$changes"; exit 1; }

step "verify: fsck checks every reachable blob's digest and size"
ocikit fsck "$layout"

step "unpack into a runtime bundle (rootfs/ + config.json)"
rootless=()
[ "$(id -u)" -ne 0 ] && rootless=(--rootless)
rm -rf "$work/bundle"
ocikit unpack "${rootless[@]}" "oci:$layout:hello-zstd" "$work/bundle"
find "$work/bundle/rootfs" | sed "s|$work/bundle/rootfs||" | sort
"$node" -e 'const c=require(process.argv[1]);console.log(JSON.stringify({args:c.process.args,cwd:c.process.cwd,env:c.process.env,user:c.process.user},null,2))' "$work/bundle/config.json"

step "done: everything is in $work"
