#!/usr/bin/env bash
# Builds the Pulumi toolchain from Go modules (go.mod/go.sum pin every version; see README.md) into
# a cache folder named by the hash of those files, this script and the Go version, and prints that folder as its last
# line, for PATH. A second run with nothing changed finds the folder and builds nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${PULUMI_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/adult-mlops/pulumi-toolchain}"

command -v go >/dev/null 2>&1 || { echo "error: the go command is not on PATH: install Go 1.25 or newer" >&2; exit 3; }

# Each module folder builds one binary: folder name, main package, version variable and version.
binaries=(
  "cli pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi github.com/pulumi/pulumi/sdk/v3/go/common/version.Version github.com/pulumi/pulumi/pkg/v3"
)

key="$(cd "$here" && { go version; cat build.sh ./*/go.mod ./*/go.sum; } | sha256sum | cut -c1-16)"
target="$cache_root/$key"
if [ -f "$target/.complete" ]; then
  echo "$target"
  exit 0
fi

mkdir -p "$cache_root"
staging="$(mktemp -d "$cache_root/.building-XXXXXX")"
trap 'rm -rf "$staging"' EXIT
started=$SECONDS
for entry in "${binaries[@]}"; do
  read -r folder binary package version_variable version_module <<<"$entry"
  # The version the release build stamps: the module's own version as go.mod pins it.
  version="$(cd "$here/$folder" && go list -mod=readonly -m -f '{{.Version}}' "$version_module")"
  echo "building $binary $version from $package" >&2
  (cd "$here/$folder" && go build -mod=readonly -trimpath -ldflags "-s -w -X $version_variable=$version" -o "$staging/$binary" "$package")
done
touch "$staging/.complete"
rm -rf "$target"
mv "$staging" "$target"
trap - EXIT
echo "built the Pulumi toolchain in $((SECONDS - started)) s" >&2
echo "$target"
