#!/usr/bin/env bash
# Builds the debian:bookworm-slim base image from a Debian mirror when the Docker
# engine does not already have it, for hosts that cannot pull from a registry.
# Usage: scripts/build-base-image.sh [IMAGE_TAG]   (env: DEBIAN_MIRROR, DEBIAN_SUITE)
set -euo pipefail

image_tag="${1:-debian:bookworm-slim}"
suite="${DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

fail() { echo "build-base-image: $1" >&2; exit "${2:-1}"; }

command -v docker >/dev/null || fail "the docker CLI is not installed; install Docker first" 2
docker info >/dev/null 2>&1 || fail "the Docker engine is not reachable; start dockerd (or Docker Desktop) and retry" 2

if docker image inspect "$image_tag" >/dev/null 2>&1; then
  echo "build-base-image: $image_tag is already present"
  exit 0
fi

command -v debootstrap >/dev/null || fail "debootstrap is not installed; run: apt-get install -y debootstrap" 2
[ "$(id -u)" -eq 0 ] || fail "debootstrap needs root; rerun with sudo" 2

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

echo "build-base-image: bootstrapping $suite from $mirror"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/dev/null
# Keep the image slim, like the official one: no apt lists or caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$image_tag" >/dev/null
echo "build-base-image: imported $image_tag"
