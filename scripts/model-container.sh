#!/bin/bash
# The model container, as every caller runs it: sourced by scripts/run-gated-pipeline.sh and
# scripts/prepare-data.sh, and put at the top of every Jenkins job's script by jenkins/jobs.ts (the
# later jobs' workspaces are not the project, so they could not source it). It explains, in one
# `error:` line and with its own exit status, a failure that happened outside the image: the image
# explains its own (0 to 5, ml/README.md). The statuses come from the environment
# (contracts/modelImage.ts exitStatusEnvironment()), never from numbers written here. It also has the
# one way a shell script shows a URL (redact_url).
# Every container of the model image gets its flags here (model_container_flags, run_model_container):
# the stack's pipeline, the data fetch, the report export and the Jenkins jobs' container.
# Environment: ENGINE_UNREACHABLE_STATUS IMAGE_MISSING_STATUS OUT_OF_MEMORY_STATUS KILLED_STATUS
#   BAD_SETTING_STATUS; MODEL_MEMORY_LIMIT (e.g. 512m) and MODEL_PIDS_LIMIT (e.g. 256), both required:
#   the stack's modelMemoryLimit and modelPidsLimit (contracts/modelImage.ts modelContainerEnvironment()).

# A URL as a log line may show it (the data URL): no user name or password (the host part up to its
# last @, as ***@) and no query string or fragment (a pre-signed URL's signature, as ?… or #…). The
# same as ml/adult_pipeline/data/fetch.py redacted_url and config/validators.ts redactedUrl.
redact_url() { # URL
  local url="$1" tail="" scheme rest authority
  if [[ "$url" == *[?#]* ]]; then
    local head="${url%%[?#]*}"
    tail="${url:${#head}:1}…"
    url="$head"
  fi
  if [[ "$url" == *://* ]]; then
    scheme="${url%%://*}" rest="${url#*://}"
    authority="${rest%%/*}"
    if [[ "$authority" == *@* ]]; then
      url="$scheme://***@${authority##*@}${rest:${#authority}}"
    fi
  fi
  printf '%s\n' "$url$tail"
}

fail_with() { # STATUS MESSAGE
  echo "error: $2" >&2
  exit "$1"
}

# The limits, checked as config/validators.ts checks modelMemoryLimit and modelPidsLimit, before any
# container starts: a bad or missing one ends the script here with the bad-setting status.
model_limit_ok() { # VALUE KIND
  case "$2" in
    memory)
      [[ "$1" =~ ^([1-9][0-9]{0,8})([kmg])$ ]] || return 1
      local number="${BASH_REMATCH[1]}" factor=1024
      case "${BASH_REMATCH[2]}" in m) factor=$((1024 ** 2)) ;; g) factor=$((1024 ** 3)) ;; esac
      [ "$((number * factor))" -ge $((6 * 1024 * 1024)) ]
      ;;
    pids) [[ "$1" =~ ^[1-9][0-9]{0,6}$ ]] && [ "$1" -ge 8 ] && [ "$1" -le 4194304 ] ;;
  esac
}
model_limit_ok "${MODEL_MEMORY_LIMIT-}" memory ||
  fail_with "${BAD_SETTING_STATUS:?}" "MODEL_MEMORY_LIMIT='${MODEL_MEMORY_LIMIT-}' is not a memory limit; expected a size such as 512m or 2g (a whole number followed by k, m or g, at least 6m): the stack's modelMemoryLimit; no container was started"
model_limit_ok "${MODEL_PIDS_LIMIT-}" pids ||
  fail_with "${BAD_SETTING_STATUS:?}" "MODEL_PIDS_LIMIT='${MODEL_PIDS_LIMIT-}' is not a pids limit; expected a whole number of processes from 8 to 4194304, such as 256: the stack's modelPidsLimit; no container was started"

# Read-only root, /work a tmpfs of the image's user (uid 10001), no capabilities, no privilege gain,
# an init (docker's tini) that hands docker stop's SIGTERM to the pipeline, and its limits: memory
# with no swap beyond it, and processes and threads (a fork bomb stops there, not at the host).
model_container_flags=(--init --read-only --tmpfs "/work:uid=10001,gid=10001,mode=0700"
  --cap-drop ALL --security-opt no-new-privileges
  --memory "$MODEL_MEMORY_LIMIT" --memory-swap "$MODEL_MEMORY_LIMIT" --pids-limit "$MODEL_PIDS_LIMIT")

docker_engine_answers() {
  timeout 20 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Before a run: the engine answers and holds the image, or the script ends with its status.
require_engine_and_image() { # IMAGE
  docker_engine_answers ||
    fail_with "${ENGINE_UNREACHABLE_STATUS:?}" "the Docker engine ${DOCKER_HOST:-at /var/run/docker.sock} does not answer; start it (sudo systemctl start docker) or set DOCKER_HOST to a running one, then run again"
  docker image inspect "$1" >/dev/null 2>&1 ||
    fail_with "${IMAGE_MISSING_STATUS:?}" "the model image $1 is not on the Docker engine; build it again (pulumi up, or the github-to-container job), then run again"
}

# The caller's status for a model container (or a `docker exec` in it) that ended with STATUS; one
# error line when the cause lies outside the image. Returns the status.
explain_model_exit() { # STATUS CONTAINER
  local status="$1" container="$2" state limit
  [ "$status" -ne 0 ] || return 0
  if ! docker_engine_answers; then
    echo "error: the Docker engine stopped answering while the model container $container ran (docker exited $status); nothing was cached or promoted; start the engine again (sudo systemctl start docker) and rerun" >&2
    return "${ENGINE_UNREACHABLE_STATUS:?}"
  fi
  state="$(docker container inspect --format '{{.State.OOMKilled}} {{.HostConfig.Memory}}' "$container" 2>/dev/null || true)"
  if [ "${state%% *}" = true ]; then
    limit="${state#* }"
    if [ "$limit" -gt 0 ]; then limit="$((limit / 1048576)) MiB, which its memory use reached"; else limit="none: the host ran out of memory"; fi
    echo "error: the model container $container was killed for lack of memory (limit $limit); raise MODEL_MEMORY_LIMIT (the stack's modelMemoryLimit) or the host's memory, or use smaller input files (a run needs about 15 times their size)" >&2
    return "${OUT_OF_MEMORY_STATUS:?}"
  fi
  if [ "$status" -gt 128 ] && [ "$status" -le 192 ]; then
    echo "error: the model container $container was killed by SIG$(kill -l "$((status - 128))") (docker exited $status): docker kill, an engine restart or the host's OOM killer; run again" >&2
    return "${KILLED_STATUS:?}"
  fi
  return "$status"
}

# Runs a model container named NAME with the hardened flags and removes it; returns the image's own
# status, or the caller's status for a failure outside the image (explained in one line).
run_model_container() { # NAME DOCKER-RUN-ARGUMENTS...
  local name="$1" status=0
  shift
  docker run --name "$name" "${model_container_flags[@]}" "$@" || status=$?
  explain_model_exit "$status" "$name" || status=$?
  docker rm --force "$name" >/dev/null 2>&1 || true
  return "$status"
}
