#!/bin/bash
# Job github-to-container: builds the model image from ml/ in the workspace, readies the
# data and starts the long-lived container the next three jobs run their stages in.
# Settings come from Jenkins' global environment (JCasC), not from this script; jenkins/jobs.ts puts
# scripts/model-container.sh (model_container_flags, explain_model_exit) in front of it.
set -euo pipefail
# A failed build ends the chain here, so its container must not outlive it.
trap '[ "$?" -eq 0 ] || docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true' EXIT

image="$MODEL_IMAGE:jenkins"
# The stack's base image (BASE_IMAGE in Jenkins' global environment), as the stack builds its own.
docker build --build-arg BASE_IMAGE --tag "$image" "$WORKSPACE/ml"

# A URL source is downloaded into DATA_VOLUME and checked against pinned checksums, once. DATA_URL is
# in the global environment, or, for a signed URL, bound from its credential for this build (jobs.ts).
data_mount="$(bash "$WORKSPACE/scripts/prepare-data.sh" "$image")"
# The model registry the stack created (the test job promotes into it); none on a build host
# without it, where REGISTRY_DIR is left empty and promote.py records nothing.
registry_mount="$(bash "$WORKSPACE/scripts/registry-mount.sh")"
registry_args=(--env REGISTRY_DIR=)
[ -z "$registry_mount" ] || registry_args=(--mount "$registry_mount,target=/registry")

# Replaces a container that an aborted chain left behind.
docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true
# MODEL_ENV_VARS names the variables the model container gets (contracts/modelImage.ts).
env_args=()
for name in $MODEL_ENV_VARS; do env_args+=(--env "$name"); done
# Hardened like every model container (read-only, /work a tmpfs of its user); the stages run in it with docker exec.
# shellcheck disable=SC2154 # model_container_flags comes from scripts/model-container.sh
docker run --detach --name "$MODEL_CONTAINER" --network none "${model_container_flags[@]}" \
  --mount "$data_mount,target=/data,readonly" "${env_args[@]}" \
  "${registry_args[@]}" \
  "$image" sleep infinity
