#!/usr/bin/env bash
# Copies every report of the model registry to REPORTS_DIR/<version>/ on this host (the project's
# git-ignored reports/ folder), where the stack's reportFile output points: report.html, report.css
# and the figures, report-*.png (the names adult_pipeline/evaluation/report.py's is_report_file knows).
# Usage: export-reports.sh MODEL_IMAGE
# Environment: REGISTRY_VOLUME, REPORTS_DIR; the model container's limits and the callers' statuses
# (scripts/model-container.sh).
set -euo pipefail
# shellcheck source=scripts/model-container.sh
source "$(dirname "$0")/model-container.sh"

image="${1:?usage: export-reports.sh MODEL_IMAGE}"
: "${REGISTRY_VOLUME:?}" "${REPORTS_DIR:?}"

# Only regular files with a report's name, in a version's own folder, ever leave the registry: a link
# (report.html -> /etc/shadow), a folder or a FIFO with such a name stays behind, on either side.
report_files=(-mindepth 2 -maxdepth 2 -path './[0-9]*/*' -type f '(' -name report.html -o -name report.css -o -name 'report-*.png' ')')

mkdir -p "$REPORTS_DIR"
# Unpacked first into a folder of its own inside REPORTS_DIR, then each regular file moved into
# place (a rename: replaced whole, so a run exporting at the same time never leaves a mixed file).
staging="$(mktemp -d "$REPORTS_DIR/.export.XXXXXX")"
container="adult-mlops-export-$$"
trap 'docker rm --force "$container" >/dev/null 2>&1 || true; rm -rf "$staging"' EXIT
# A model container like every other (read-only, no capabilities, its limits), without network and
# with the registry read-only: the image's find and tar pack the reports, the host's tar unpacks them.
run_model_container "$container" --network none --mount "type=volume,source=$REGISTRY_VOLUME,target=/registry,readonly" "$image" \
  sh -c 'cd /registry/versions && find . "$@" -print0 | tar --null --no-recursion --files-from - --create --file -' find-report-files "${report_files[@]}" |
  tar --extract --no-same-owner --no-same-permissions --file - --directory "$staging"
(cd "$staging" && find . "${report_files[@]}" -print0) | while IFS= read -r -d '' file; do
  mkdir -p "$REPORTS_DIR/$(dirname "$file")"
  mv -f "$staging/$file" "$REPORTS_DIR/$file"
done
