#!/usr/bin/env bash
# One command from a fresh clone to the running stack (or back): checks the prerequisites,
# installs the npm packages, makes sure the base image exists, and runs Pulumi on the "dev"
# stack with a local state backend in .pulumi-state/ (no Pulumi account needed).
# Usage: scripts/stack.sh up|preview|destroy|output [extra pulumi flags]
# Exit status: 10 Docker missing, 11 Docker engine not reachable, 12 Pulumi CLI missing,
#              13 no passphrase and no terminal to ask for one, 14 Jenkins never became healthy,
#              15 the configured base image is no image reference, 64 bad usage; else Pulumi's own.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "adult-mlops: $1" >&2; exit "$2"; }

action="${1:-}"
case "$action" in
  up|preview|destroy|output) shift ;;
  *) fail "usage: scripts/stack.sh up|preview|destroy|output [pulumi flags] (got '${action}')" 64 ;;
esac

command -v docker >/dev/null 2>&1 || fail "the docker CLI is not installed; install Docker Engine (https://docs.docker.com/engine/install/) and start it" 10
docker info >/dev/null 2>&1 || fail "the Docker engine is not reachable; start it (e.g. sudo systemctl start docker) and make sure your user may use it (docker group)" 11
command -v pulumi >/dev/null 2>&1 || fail "the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/install/) and retry" 12

if [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ ! -t 0 ]; then
  fail "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts the stack's secrets in .pulumi-state/" 13
fi

stack=dev
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
mkdir -p .pulumi-state
[ -d node_modules ] || npm ci --no-audit --no-fund

# What the stack's settings name (config/stackSettings.ts, the program's own derivation and checks): the
# base image, as configured or else Pulumi.yaml's default, and the controller's container. One line each.
stack_names() {
  STACK="$stack" CONFIGURED_BASE_IMAGE="$1" node --import tsx --eval '
    const { withDefaults } = require("./config/declaredConfig");
    const { ConfigError } = require("./config/configError");
    const { parseStackSettings } = require("./config/stackSettings");
    const configured = process.env.CONFIGURED_BASE_IMAGE;
    try {
      const settings = parseStackSettings(withDefaults(process.cwd(), configured ? { baseImage: configured } : {}), { projectDir: process.cwd(), stack: process.env.STACK });
      console.log(settings.baseImage);
      console.log(settings.names.controllerContainer);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error("adult-mlops: " + error.message);
      process.exit(15);
    }'
}

if [ "$action" = up ] || [ "$action" = preview ]; then
  names="$(stack_names "$(pulumi config get baseImage --stack "$stack" 2>/dev/null || true)")" || exit $?
  { read -r base_image; read -r controller; } <<<"$names"
  docker image inspect "$base_image" >/dev/null 2>&1 || docker pull "$base_image" || bash scripts/build-base-image.sh "$base_image"
fi

pulumi stack select --create "$stack"
if [ "$action" = output ]; then
  exec pulumi stack output "$@"
fi

# pulumi up and destroy ask for confirmation on a terminal; with none (a script, CI) Pulumi refuses to
# go on without --yes, and there is nobody to answer anyway.
if { [ "$action" = up ] || [ "$action" = destroy ]; } && { [ ! -t 0 ] || [ ! -t 1 ]; } && [[ " $* " != *" --yes "* && " $* " != *" -y "* ]]; then
  echo "adult-mlops: no terminal to confirm on, so running: pulumi $action --yes"
  set -- --yes "$@"
fi

status=0
pulumi "$action" "$@" || status=$?
# A failed up may be the controller's health wait timing out (the docker provider then only says
# "container failed to be in healthy state"): name the container whose log tells why.
if [ "$status" -ne 0 ] && [ "$action" = up ]; then
  health="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$controller" 2>/dev/null || true)"
  if [ -n "$health" ] && [ "$health" != healthy ]; then
    fail "Jenkins ($controller) is $health, not healthy; read why with: docker logs $controller" 14
  fi
fi
exit "$status"
