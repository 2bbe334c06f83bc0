#!/usr/bin/env bash
# Runs the model image's gated pipeline on the configured data; the GatedPipeline component's command.
# Environment:
#   MODEL_IMAGE         image to run (an image ID)
#   MODEL_ENV_VARS      names of the variables handed to the model container (contracts/modelImage.ts),
#                       each set in this environment
#   DATA_URL | DATA_DIR, DATA_VOLUME   where the data comes from (scripts/prepare-data.sh)
#   GATE_FAILED_STATUS and the callers' statuses (contracts/modelImage.ts exitStatusEnvironment())
#   FAIL_ON_GATE        "true": a failed gate is a failure (that status) rather than a verdict (exit 0)
#   PIPELINE_CONTAINER  name of the run's container (default adult-mlops-pipeline-PID)
#   MODEL_MEMORY_LIMIT, MODEL_PIDS_LIMIT, BAD_SETTING_STATUS   every model container's limits (scripts/model-container.sh)
#   REGISTRY_VOLUME, BAD_REGISTRY_STATUS   the model registry (scripts/registry-mount.sh)
#   REPORTS_DIR         host folder the registry's reports are copied to (scripts/export-reports.sh)
# The last stdout line is the metrics JSON. Exit 0 when the run completed, whether the gate passed
# or stopped it (the metrics say which); otherwise the image's own status, or one of the callers'
# statuses with one `error:` line (scripts/model-container.sh).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/model-container.sh
source ./model-container.sh

: "${MODEL_IMAGE:?}" "${MODEL_ENV_VARS:?}" "${GATE_FAILED_STATUS:?}"
require_engine_and_image "$MODEL_IMAGE"

data_mount="$(bash prepare-data.sh "$MODEL_IMAGE")"
registry_mount="$(bash registry-mount.sh)"
env_args=()
for name in $MODEL_ENV_VARS; do env_args+=(--env "$name"); done

container="${PIPELINE_CONTAINER:-adult-mlops-pipeline-$$}"
trap 'docker rm --force "$container" >/dev/null 2>&1 || true' EXIT
status=0
run_model_container "$container" --network none --mount "$data_mount,target=/data,readonly" "${env_args[@]}" \
  --mount "$registry_mount,target=/registry" \
  "$MODEL_IMAGE" || status=$?

# The run's report (and the registry's earlier ones) on the host; a failed copy never changes the verdict.
if [ "$status" -eq 0 ] || [ "$status" -eq "$GATE_FAILED_STATUS" ]; then
  bash export-reports.sh "$MODEL_IMAGE" >&2 || echo "warning: the reports were not copied to $REPORTS_DIR" >&2
fi

if [ "$status" -eq "$GATE_FAILED_STATUS" ]; then
  if [ "${FAIL_ON_GATE:-false}" = true ]; then
    echo "error: the gate stopped the pipeline (validation accuracy below THRESHOLD=$THRESHOLD) and failOnGate is true" >&2
    exit "$status"
  fi
  # Printed by the run itself, so it shows only in an update that ran the pipeline (never in a preview).
  echo "warning: the gate stopped the pipeline: validation accuracy is below THRESHOLD=$THRESHOLD, so the test stage did not run and testAccuracy is null (set failOnGate to true to fail the deployment instead)" >&2
  exit 0
fi
exit "$status"
