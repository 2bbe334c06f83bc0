#!/usr/bin/env bash
# Runs the pinned ruff (requirements.txt) with the given arguments (ruff finds ruff.toml from the files it checks).
# The first run makes a venv in a cache folder outside the repo, named by the hash of requirements.txt,
# this script and the Python version, and installs ruff there with --require-hashes; later runs reuse it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${RUFF_PYTHON:-/usr/bin/python3}"
cache_root="${RUFF_CACHE_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/adult-mlops}"

key="$(cd "$here" && { "$python" --version; cat requirements.txt ruff.sh; } | sha256sum | cut -c1-16)"
target="$cache_root/ruff-$key"
if [ ! -f "$target/.complete" ]; then
  mkdir -p "$cache_root"
  staging="$(mktemp -d "$cache_root/.ruff-building-XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  # Debian's python3 needs python3-venv for this (.ci/run installs it). Wheels only: the sdist's hash is
  # pinned too, but building it needs a Rust toolchain, which is no part of a unit run.
  "$python" -m venv "$staging" >&2 || { echo "error: $python -m venv failed: install python3-venv" >&2; exit 3; }
  "$staging/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    --only-binary :all: -r "$here/requirements.txt" >&2
  touch "$staging/.complete"
  # Only bin/ruff is run, a native binary, so the venv works where it is moved to (pip's own scripts would
  # not). A run that finished first wins; this one's folder is then dropped.
  if [ ! -f "$target/.complete" ]; then
    rm -rf "$target"
    mv -T "$staging" "$target" 2>/dev/null || [ -f "$target/.complete" ] || { echo "error: could not make $target" >&2; exit 3; }
  fi
  rm -rf "$staging"
  trap - EXIT
fi

# ruff's own cache of results, beside the venv rather than in the clone (it keys entries by project folder).
export RUFF_CACHE_DIR="${RUFF_CACHE_DIR:-$target/cache}"
exec "$target/bin/ruff" "$@"
