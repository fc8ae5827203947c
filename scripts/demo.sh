#!/usr/bin/env bash
# The main job end to end on an OCI layout on disk, no server: filled in as commands land.
set -euo pipefail
echo "ocikit demo: nothing to show yet"
