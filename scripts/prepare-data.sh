#!/usr/bin/env bash
# Readies the raw data for a model container and prints the `docker run --mount` spec (without
# its target) that reaches it. Shared by the stack's pipeline command and the first Jenkins job.
# Usage: prepare-data.sh MODEL_IMAGE
# Environment: DATA_SOURCE  an http(s) URL of the UCI archive, or an absolute directory on the Docker host
#              DATA_VOLUME  for a URL: the volume that caches the verified download
# Exit status: 2 bad DATA_SOURCE, 4 download failed; fetch_data.py's own statuses otherwise.
set -euo pipefail

image="${1:?usage: prepare-data.sh MODEL_IMAGE}"

case "${DATA_SOURCE:?DATA_SOURCE is not set}" in
  http://* | https://*)
    : "${DATA_VOLUME:?DATA_VOLUME names the volume that caches a downloaded archive}"
    docker volume create "$DATA_VOLUME" >/dev/null
    # fetch_data.py checks every file against its pinned sha256 and downloads nothing when the
    # volume already holds valid files. Host networking lets a mirror on the host's loopback serve it.
    docker run --rm --network host --mount "type=volume,source=$DATA_VOLUME,target=/data" \
      --env "DATA_URL=$DATA_SOURCE" "$image" python3 fetch_data.py >&2
    echo "type=volume,source=$DATA_VOLUME"
    ;;
  /*)
    echo "type=bind,source=$DATA_SOURCE"
    ;;
  *)
    echo "error: DATA_SOURCE=$DATA_SOURCE: expected an http(s) URL or an absolute directory on the Docker host" >&2
    exit 2
    ;;
esac
