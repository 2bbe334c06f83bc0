#!/usr/bin/env bash
# Readies the raw data for a model container and prints the `docker run --mount` spec (without
# its target) that reaches it. Shared by the stack's pipeline command and the first Jenkins job.
# Usage: prepare-data.sh MODEL_IMAGE
# Environment (contracts/dataPreparation.ts), exactly one of:
#   DATA_URL  the UCI archive's URL: downloaded into the volume DATA_VOLUME, checked, cached; a log
#             line names it without user:password or query string (a signed URL's is a secret)
#   DATA_DIR  an absolute directory on the Docker host holding the files: mounted as it is
# and FETCH_NETWORK (default bridge): the Docker network the download runs on; DOWNLOAD_DEADLINE_SECONDS
# (optional) the image's deadline for the whole download; the model container's limits and the
# callers' statuses (scripts/model-container.sh).
# Exit status: 64 bad usage; fetch_data.py's own status when the download fails, or a caller's status.
set -euo pipefail
# shellcheck source=scripts/model-container.sh
source "$(dirname "$0")/model-container.sh"

image="${1:?usage: prepare-data.sh MODEL_IMAGE}"

if [ -n "${DATA_DIR:-}" ]; then
  echo "type=bind,source=$DATA_DIR"
elif [ -n "${DATA_URL:-}" ]; then
  : "${DATA_VOLUME:?DATA_VOLUME names the volume that caches the downloaded archive}"
  docker volume create "$DATA_VOLUME" >/dev/null
  # Named, never shown whole: a signed URL's query string is a secret (redact_url, scripts/model-container.sh).
  echo "prepare-data: the UCI archive from $(redact_url "$DATA_URL"), verified and cached in the volume $DATA_VOLUME" >&2
  # fetch_data.py checks every file against its pinned sha256 and downloads nothing when the
  # volume already holds valid files; it writes each file atomically, only when all three are valid.
  container="adult-mlops-fetch-$$"
  trap 'docker rm --force "$container" >/dev/null 2>&1 || true' EXIT
  run_model_container "$container" --network "${FETCH_NETWORK:-bridge}" \
    --mount "type=volume,source=$DATA_VOLUME,target=/data" --env DATA_URL --env DOWNLOAD_DEADLINE_SECONDS \
    "$image" python3 fetch_data.py >&2
  echo "type=volume,source=$DATA_VOLUME"
else
  echo "prepare-data.sh: set DATA_URL (the UCI archive) or DATA_DIR (a directory on the Docker host)" >&2
  exit 64
fi
