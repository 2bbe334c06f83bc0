#!/bin/bash
# Job github-to-container: builds the model image from ml/ in the workspace, readies the
# data and starts the long-lived container the next three jobs run their stages in.
# Settings come from Jenkins' global environment (JCasC), not from this script.
set -euo pipefail
# A failed build ends the chain here, so its container must not outlive it.
trap '[ "$?" -eq 0 ] || docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true' EXIT

image="$MODEL_IMAGE:jenkins"
docker build --tag "$image" "$WORKSPACE/ml"

case "$DATA_SOURCE" in
  http://* | https://*)
    # fetch_data.py verifies the checksums and downloads nothing when the volume already holds valid files.
    docker volume create "$DATA_VOLUME" >/dev/null
    docker run --rm --network host --mount "type=volume,source=$DATA_VOLUME,target=/data" \
      --env "DATA_URL=$DATA_SOURCE" "$image" python3 fetch_data.py
    data_mount="type=volume,source=$DATA_VOLUME"
    ;;
  /*)
    data_mount="type=bind,source=$DATA_SOURCE"
    ;;
  *)
    echo "DATA_SOURCE must be an http(s) URL or an absolute directory on the Docker host, not: $DATA_SOURCE" >&2
    exit 2
    ;;
esac

# Replaces a container that an aborted chain left behind.
docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true
docker run --detach --name "$MODEL_CONTAINER" --network none \
  --mount "$data_mount,target=/data,readonly" \
  --env THRESHOLD --env MODEL --env RAW_DATA_FILE --env TEST_DATA_FILE \
  "$image" sleep infinity
