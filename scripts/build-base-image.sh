#!/usr/bin/env bash
# Builds a Debian base image (default debian:trixie-slim) with debootstrap when the Docker engine
# does not already have it, for hosts that cannot pull from a registry.
# Usage: scripts/build-base-image.sh [IMAGE_TAG]
# Environment: DEBIAN_SUITE   the release to bootstrap (default: the tag's for debian:SUITE[-slim], else trixie)
#              DEBIAN_MIRROR  a Debian mirror URL; unset, debootstrap uses its own default
# Exit status: 2 a prerequisite is missing; debootstrap's or docker's own status otherwise.
set -euo pipefail

image_tag="${1:-debian:trixie-slim}"
case "$image_tag" in
  debian:*) tag_suite="${image_tag#debian:}"; default_suite="${tag_suite%-slim}" ;;
  *) default_suite=trixie ;;
esac
suite="${DEBIAN_SUITE:-$default_suite}"

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

echo "build-base-image: bootstrapping Debian $suite${DEBIAN_MIRROR:+ from $DEBIAN_MIRROR}"
# shellcheck disable=SC2086 # an unset mirror must be no argument at all
debootstrap --variant=minbase "$suite" "$rootfs" ${DEBIAN_MIRROR:-} >/dev/null
# Keep the image slim, like the official one: no apt lists or caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$image_tag" >/dev/null
echo "build-base-image: imported $image_tag"
