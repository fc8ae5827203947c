#!/usr/bin/env bash
# Installs the real peers the test suite runs against (DESIGN.md §5): the Distribution registry,
# skopeo, umoci, runc, oci-image-tool, plus the tools the tests and benchmarks drive, and a system
# Node.js (the tests check that the packed command and library refuse a Node older than they need).
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
need=()
for tool in docker-registry:docker-registry skopeo:skopeo umoci:umoci runc:runc oci-image-tool:oci-image-tool \
  pigz:pigz zstd:zstd htpasswd:apache2-utils busybox:busybox-static openssl:openssl tar:tar \
  setfattr:attr buildah:buildah bzip2:bzip2 xz:xz-utils /usr/bin/time:time script:bsdutils setpriv:util-linux newuidmap:uidmap mkfifo:coreutils /sbin/setcap:libcap2-bin debootstrap:debootstrap qemu-aarch64-static:qemu-user-static update-binfmts:binfmt-support \
  /usr/bin/node:nodejs python3:python3 tinyproxy:tinyproxy gpg:gpg gpg-agent:gpg-agent gpgconf:gpgconf /usr/bin/chromium:chromium; do
  bin=${tool%%:*} pkg=${tool##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
[ -e /usr/share/gocode/src/github.com/containers/image/signature/fixtures/cosign.pub ] && command -v go >/dev/null 2>&1 || need+=(golang-github-containers-image-dev golang-go)
# Go's archive/tar test archives (GNU, star, sparse, damaged), which the layer reader is tested with.
[ -e /usr/share/gocode/src/github.com/vbatts/tar-split/archive/tar/testdata/sparse-formats.tar ] || need+=(golang-github-vbatts-tar-split-dev)
# The TLS tests reach their loopback registry by a name that is not a loopback name.
if ! getent hosts registry.ocikit.test >/dev/null 2>&1; then
  echo "127.0.0.1 registry.ocikit.test" | if [ "$(id -u)" -ne 0 ]; then sudo tee -a /etc/hosts; else tee -a /etc/hosts; fi >/dev/null
fi
# RUN for another architecture (tests build an arm64 stage from Debian's arm64 busybox-static):
# the arm64 package lists for `apt-get download`, binfmt_misc mounted and qemu's handlers enabled.
setup_emulation() {
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  dpkg --print-foreign-architectures | grep -qx arm64 || { $SUDO dpkg --add-architecture arm64 && $SUDO apt-get update -qq; }
  [ -e /proc/sys/fs/binfmt_misc/register ] || $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || $SUDO update-binfmts --enable
}
if [ ${#need[@]} -eq 0 ]; then
  setup_emulation
  exit 0
fi
echo "installing peers: ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
# The package may start a system proxy on port 8888 (the tests start their own on loopback): one
# installed here is stopped; one the machine already had is left alone.
if [[ " ${need[*]} " == *" tinyproxy "* ]] && command -v service >/dev/null 2>&1; then
  $SUDO service tinyproxy stop >/dev/null 2>&1 || true
fi
setup_emulation
