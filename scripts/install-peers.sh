#!/usr/bin/env bash
# Installs the real peers the test suite runs against (DESIGN.md §5): the Distribution registry,
# skopeo, umoci, runc, oci-image-tool, plus the tools the tests and benchmarks drive.
# Idempotent: does nothing when every tool is already present.
set -euo pipefail
need=()
for tool in docker-registry:docker-registry skopeo:skopeo umoci:umoci runc:runc oci-image-tool:oci-image-tool \
  pigz:pigz zstd:zstd htpasswd:apache2-utils busybox:busybox-static openssl:openssl tar:tar \
  setfattr:attr /usr/bin/time:time script:bsdutils setpriv:util-linux mkfifo:coreutils; do
  bin=${tool%%:*} pkg=${tool##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing peers: ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
