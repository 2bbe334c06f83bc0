#!/usr/bin/env bash
# Prints the `docker run --mount` spec (without its target) of the model registry's volume, after
# checking that the volume exists: `docker run` would otherwise create an empty one, and a removed
# registry would silently start again from no champion. Shared by the stack's pipeline command and
# the first Jenkins job.
# Environment: REGISTRY_VOLUME (created by the stack; empty in a Jenkins chain on a build host
# without the registry: prints nothing), BAD_REGISTRY_STATUS (the image's exit status for a missing
# or corrupt registry, used here for a missing volume).
set -euo pipefail

: "${REGISTRY_VOLUME?REGISTRY_VOLUME names the model registry volume}" "${BAD_REGISTRY_STATUS:?}"
[ -n "$REGISTRY_VOLUME" ] || exit 0

if ! docker volume inspect "$REGISTRY_VOLUME" >/dev/null 2>&1; then
  echo "error: the model registry volume $REGISTRY_VOLUME does not exist; pulumi up creates it (a run never does, so a removed registry is not silently replaced by an empty one)" >&2
  exit "$BAD_REGISTRY_STATUS"
fi
echo "type=volume,source=$REGISTRY_VOLUME"
