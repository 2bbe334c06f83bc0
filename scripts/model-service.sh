#!/usr/bin/env bash
# Starts or stops the prediction service (the model image's serve.py) in its container; the
# ModelService component's command: start on create and update, stop on delete.
# Usage: model-service.sh start|stop
# Environment:
#   SERVICE_CONTAINER   the container's name
#   MODEL_IMAGE         the image to run (an image ID)
#   SERVICE_ENV_VARS    names of the variables handed to the container (contracts/modelService.ts),
#                       each set in this environment; SERVE_PORT, the port it listens on inside, among them
#   SERVE_HOST_PORT     the port on the Docker host's 127.0.0.1 it is published on
#   REGISTRY_VOLUME, BAD_REGISTRY_STATUS   the model registry, mounted read-only at /registry (scripts/registry-mount.sh)
#   REQUEST_LOG_VOLUME  the request log's volume, the only one the service writes
#   HEALTH_TIMEOUT_SECONDS  how long start waits for the service to be healthy and to serve at least the
#                       version the registry's champion pointer names (default 120)
#   HEALTH_POLL_SECONDS how long it sleeps between two looks at the service's health and version (default 1)
#   SERVICE_UNHEALTHY_STATUS, the callers' statuses, MODEL_MEMORY_LIMIT, MODEL_PIDS_LIMIT (scripts/model-container.sh)
#   PIPELINE_RUN_INPUTS is in the stack's environment too but not read here: the ModelService component sets it
#                       (a digest of the pipeline command's inputs) only so that the command is updated, and start
#                       runs again, whenever the pipeline reran. It is no part of the container or its fingerprint.
# start keeps a running container that was started with the same image and arguments: the service follows
# the registry's champion pointer itself, so a promotion must not restart it. It then waits until the service
# serves at least the version /registry/champion.json names, read inside the container, where the service
# reads it (so for a remote engine too); a newer one is fine (a Jenkins chain promoted it meanwhile). Without
# the pointer there is no champion yet: the service answers 503 and nothing is waited for. Its last stdout line
# is {"url": "http://127.0.0.1:PORT", "version": N, "model": "NAME"}, version and model null while the service
# has no champion. Exit status: SERVICE_UNHEALTHY_STATUS with the container's last log lines and one
# `error:` line when the service does not become healthy or does not serve the pointer's version in time;
# 64 bad usage; else a caller's status (scripts/model-container.sh).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/model-container.sh
source ./model-container.sh

: "${SERVICE_CONTAINER:?}" "${SERVICE_UNHEALTHY_STATUS:?}"

stop_service() {
  docker_engine_answers ||
    fail_with "${ENGINE_UNREACHABLE_STATUS:?}" "the Docker engine ${DOCKER_HOST:-at /var/run/docker.sock} does not answer, so the prediction service $SERVICE_CONTAINER was not stopped; start the engine and run again"
  docker container inspect "$SERVICE_CONTAINER" >/dev/null 2>&1 || return 0
  # serve.py gets SIGTERM through the init and ends its requests first; after 10 s docker kills it.
  docker stop --time 10 "$SERVICE_CONTAINER" >/dev/null
  docker rm "$SERVICE_CONTAINER" >/dev/null
}

# Where the service container sees the registry.
registry_target=/registry

# The arguments of `docker run` besides the hardened flags and the fingerprint's label.
service_run_arguments() {
  local registry_mount name
  registry_mount="$(bash registry-mount.sh)"
  service_args=(--restart unless-stopped --publish "127.0.0.1:$SERVE_HOST_PORT:$SERVE_PORT"
    --mount "$registry_mount,target=$registry_target,readonly" --mount "type=volume,source=$REQUEST_LOG_VOLUME,target=/requests")
  for name in $SERVICE_ENV_VARS; do service_args+=(--env "$name"); done
  # The check waits up to 2 s for the service's answer, after Python has started and imported the server.
  service_args+=(--health-cmd "python3 serve.py --check" --health-interval 2s --health-timeout 5s --health-retries 3
    --health-start-period 30s "$MODEL_IMAGE" python3 serve.py)
}

# sha256 of what the container is started from: the image's ID, every argument and every handed variable's value.
config_fingerprint() {
  local name
  {
    docker image inspect --format '{{.Id}}' "$MODEL_IMAGE"
    printf '%s\0' "${model_container_flags[@]}" "${service_args[@]}"
    for name in $SERVICE_ENV_VARS; do printf '%s=%s\0' "$name" "${!name}"; done
  } | sha256sum | cut -d ' ' -f 1
}

health() {
  docker container inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$SERVICE_CONTAINER" 2>/dev/null || true
}

# Asked inside the container, where the service listens on 127.0.0.1:SERVE_PORT whichever engine runs it
# (127.0.0.1:SERVE_HOST_PORT is on the engine's machine, not this one for an ssh:// or tcp:// build host) and
# sees the registry the service follows. The pointer is read before the service is asked, so a promotion in
# between shows as a newer version served. Sets pointer (the version champion.json names; null: no pointer),
# version and model (what GET /v2/models/adult-income says it serves; null null: no champion, 503); fails,
# with the reason in $problem, when the pointer or the service's answer cannot be read.
ask_service() {
  local answer
  if ! answer="$(docker exec "$SERVICE_CONTAINER" python3 -c '
import json, re, sys, urllib.error, urllib.request
port, pointer_file = sys.argv[1:]
try:
    with open(pointer_file, encoding="utf-8") as file:
        held = json.load(file)
except FileNotFoundError:
    pointer = "null"
except (OSError, ValueError) as error:
    sys.exit(f"{pointer_file} cannot be read: {error}")
else:
    number = held.get("version") if isinstance(held, dict) else None
    if type(number) is not int or number < 1:
        sys.exit(f"{pointer_file} holds {held!r}, not a registry version")
    pointer = str(number)
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/models/adult-income", timeout=5) as response:
        parameters = json.load(response)["parameters"]
except urllib.error.HTTPError as error:
    if error.code != 503:
        sys.exit(f"GET /v2/models/adult-income answered {error.code}")
    served = "null null"
except (OSError, ValueError, KeyError, TypeError) as error:
    sys.exit(f"GET /v2/models/adult-income: {error!r}")
else:
    version, model = (parameters.get("served_version"), parameters.get("model")) if isinstance(parameters, dict) else (None, None)
    if not (isinstance(version, str) and re.fullmatch("[1-9][0-9]*", version) and isinstance(model, str) and re.fullmatch("[a-z0-9_]+", model)):
        sys.exit(f"GET /v2/models/adult-income: unexpected parameters {parameters!r}")
    served = f"{version} {model}"
print(pointer, served)
' "$SERVE_PORT" "$registry_target/champion.json" 2>&1)"; then
    problem="${answer##*$'\n'}"
    problem="${problem:-docker exec $SERVICE_CONTAINER failed}"
    return 1
  fi
  answer="${answer##*$'\n'}"
  [[ "$answer" =~ ^(null|[1-9][0-9]*)\ (null\ null|[1-9][0-9]*\ [a-z0-9_]+)$ ]] || {
    problem="unexpected answer '$answer'"
    return 1
  }
  read -r pointer version model <<<"$answer"
}

# True when the service serves at least the pointer's version, or there is no pointer (nothing to wait for).
serves_champion() {
  [ "$pointer" = null ] || { [ "$version" != null ] && [ "$version" -ge "$pointer" ]; }
}

# Ends start with the service's status, after its last log lines (indented: its own `error:` lines are not this script's).
unhealthy() { # MESSAGE
  docker_engine_answers ||
    fail_with "${ENGINE_UNREACHABLE_STATUS:?}" "the Docker engine ${DOCKER_HOST:-at /var/run/docker.sock} stopped answering while the prediction service $SERVICE_CONTAINER started; start it again and rerun"
  echo "the last 20 lines of docker logs $SERVICE_CONTAINER:" >&2
  docker logs --tail 20 "$SERVICE_CONTAINER" 2>&1 | sed 's/^/  /' >&2 || true
  fail_with "$SERVICE_UNHEALTHY_STATUS" "$1; read its whole log with: docker logs $SERVICE_CONTAINER"
}

start_service() {
  : "${MODEL_IMAGE:?}" "${SERVICE_ENV_VARS:?}" "${SERVE_PORT:?}" "${SERVE_HOST_PORT:?}" "${REQUEST_LOG_VOLUME:?}"
  local timeout="${HEALTH_TIMEOUT_SECONDS:-120}" poll="${HEALTH_POLL_SECONDS:-1}" fingerprint pointer version model problem asked serving
  [[ "$timeout" =~ ^[1-9][0-9]*$ ]] ||
    fail_with "${BAD_SETTING_STATUS:?}" "HEALTH_TIMEOUT_SECONDS='$timeout' is not a number of seconds; expected a whole number from 1, such as 120"
  [[ "$poll" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
    fail_with "${BAD_SETTING_STATUS:?}" "HEALTH_POLL_SECONDS='$poll' is not a number of seconds; expected a number such as 1 or 0.1"
  require_engine_and_image "$MODEL_IMAGE"
  service_run_arguments
  fingerprint="$(config_fingerprint)"
  local deadline=$((SECONDS + timeout))

  if [ "$(docker container inspect --format '{{if .State.Running}}{{index .Config.Labels "adult-mlops.config"}}{{end}}' "$SERVICE_CONTAINER" 2>/dev/null)" != "$fingerprint" ]; then
    stop_service
    docker run --detach --name "$SERVICE_CONTAINER" --label "adult-mlops.config=$fingerprint" "${model_container_flags[@]}" "${service_args[@]}" >/dev/null ||
      fail_with "$SERVICE_UNHEALTHY_STATUS" "the prediction service $SERVICE_CONTAINER did not start (docker's message above); if 127.0.0.1:$SERVE_HOST_PORT is taken, choose another servePort"
  fi

  until [ "$(health)" = healthy ]; do
    [ "$SECONDS" -lt "$deadline" ] || unhealthy "the prediction service $SERVICE_CONTAINER is not healthy after $timeout s (docker's health: $(health))"
    sleep "$poll"
  done
  # At least the pointer's version: a Jenkins chain may promote a newer one meanwhile, which the service then serves.
  while true; do
    if ask_service; then
      asked=yes
      serves_champion && break
    else
      asked=
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -n "$asked" ] || unhealthy "the prediction service $SERVICE_CONTAINER could not be asked what it serves after $timeout s: $problem"
      if [ "$version" = null ]; then serving="serves no champion"; else serving="serves version $version"; fi
      unhealthy "the prediction service $SERVICE_CONTAINER $serving after $timeout s, not version $pointer (which the registry's champion pointer $registry_target/champion.json names) or a newer one"
    fi
    sleep "$poll"
  done

  [ "$model" = null ] || model="\"$model\""
  printf '{"url": "http://127.0.0.1:%s", "version": %s, "model": %s}\n' "$SERVE_HOST_PORT" "$version" "$model"
}

case "${1:-}" in
  start) start_service ;;
  stop) stop_service ;;
  *) echo "usage: model-service.sh start|stop (got '${1:-}')" >&2; exit 64 ;;
esac
