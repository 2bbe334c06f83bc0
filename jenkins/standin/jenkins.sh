#!/bin/bash
# Entrypoint of the Jenkins stand-in image (behind tini, as in the official image): NOT Jenkins.
# Keeps the official /usr/local/bin/jenkins.sh's contract that this project relies on:
# - files under REF (/usr/share/jenkins/ref) are copied into JENKINS_HOME at every start: a file
#   only when JENKINS_HOME lacks it, a NAME.override always, as NAME (plugin version markers and
#   JENKINS_ENABLE_ENV_SUBST are not modelled); each copy is logged in COPY_REFERENCE_FILE_LOG;
# - no arguments, or a first argument starting with "--", starts "Jenkins": here jenkins_standin.py
#   (JCasC's secret resolution, then HTTP on 8080) in place of java -jar jenkins.war; anything else
#   is run instead, e.g. `docker run --rm IMAGE bash`.
set -euo pipefail

: "${JENKINS_HOME:=/var/jenkins_home}"
: "${REF:=/usr/share/jenkins/ref}"
: "${COPY_REFERENCE_FILE_LOG:=$JENKINS_HOME/copy_reference_file.log}"
readonly standin_dir=/usr/share/jenkins/standin

copy_reference_file() {
  local source="${1%/}"
  local target="${source%.override}"
  target="${target#"$REF"/}"
  if [[ -e "$JENKINS_HOME/$target" && "$source" != *.override ]]; then
    return 0
  fi
  mkdir -p "$JENKINS_HOME/$(dirname "$target")"
  cp -pr "$(realpath "$source")" "$JENKINS_HOME/$target"
  echo "INSTALLED $target" >>"$COPY_REFERENCE_FILE_LOG"
}

if [[ ! -r "$JENKINS_HOME" || ! -w "$JENKINS_HOME" ]]; then
  echo "INSTALL WARNING: User: $(id -un) missing rw permissions on JENKINS_HOME: $JENKINS_HOME"
fi
touch "$COPY_REFERENCE_FILE_LOG" || { echo "Can not write to $COPY_REFERENCE_FILE_LOG. Wrong volume permissions?" >&2; exit 1; }
echo "--- Copying files at $(date)" >>"$COPY_REFERENCE_FILE_LOG"
while IFS= read -r -d '' file; do
  copy_reference_file "$file"
done < <(find "$REF" \( -type f -o -type l \) -print0)
echo "--- Copied files finished at $(date)" >>"$COPY_REFERENCE_FILE_LOG"

if [[ $# -lt 1 || "$1" == --* ]]; then
  exec python3 -u "$standin_dir/jenkins_standin.py" "$@"
fi
exec "$@"
