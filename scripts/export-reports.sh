#!/usr/bin/env bash
# Copies every report of the model registry to REPORTS_DIR/<version>/report.html on this host (the
# project's git-ignored reports/ folder), where the stack's reportFile output points.
# Usage: export-reports.sh MODEL_IMAGE
# Environment: REGISTRY_VOLUME, REPORTS_DIR; the model container's limits and the callers' statuses
# (scripts/model-container.sh).
set -euo pipefail
# shellcheck source=scripts/model-container.sh
source "$(dirname "$0")/model-container.sh"

image="${1:?usage: export-reports.sh MODEL_IMAGE}"
: "${REGISTRY_VOLUME:?}" "${REPORTS_DIR:?}"

mkdir -p "$REPORTS_DIR"
# A model container like every other (read-only, no capabilities, its limits), without network and
# with the registry read-only: the image's tar packs the reports, the host's unpacks them (each file
# replaced whole, so a run exporting at the same time never leaves a mixed file).
container="adult-mlops-export-$$"
trap 'docker rm --force "$container" >/dev/null 2>&1 || true' EXIT
run_model_container "$container" --network none --mount "type=volume,source=$REGISTRY_VOLUME,target=/registry,readonly" "$image" \
  sh -c 'cd /registry/versions && find . -mindepth 2 -maxdepth 2 -name report.html -print0 | tar --null --files-from - --create --file -' |
  tar --extract --no-same-owner --file - --directory "$REPORTS_DIR"
