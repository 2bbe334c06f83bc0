#!/usr/bin/env bash
# Builds the Jenkins STAND-IN image (jenkins/standin/) for tests on hosts that cannot pull
# jenkins/jenkins: the official image's contract without Jenkins (jenkins/standin/README.md).
# It is NOT Jenkins: use it only as the controller's base in tests (JENKINS_BASE_IMAGE).
# Usage: scripts/build-jenkins-standin.sh [IMAGE_TAG]
#        default tag adult-mlops/jenkins-standin:LTS, LTS from jenkins/Dockerfile's pinned tag
# Environment: BASE_IMAGE  the Debian image it is built on (default debian:trixie-slim)
# Prints the tag on stdout. Quick when the image exists: it is built again only when its files,
# its base image or the LTS changed (the label adult-mlops.standin.digest says which build it is).
# Exit status: 2 a prerequisite is missing (docker, the engine, the base image); docker's own otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
context=jenkins/standin
base_image="${BASE_IMAGE:-debian:trixie-slim}"

fail() { echo "build-jenkins-standin: $1" >&2; exit "${2:-1}"; }

lts="$(sed -n 's|^ARG JENKINS_BASE_IMAGE=jenkins/jenkins:\([0-9][0-9.]*\)-.*$|\1|p' jenkins/Dockerfile)"
[ -n "$lts" ] || fail "no pinned jenkins/jenkins:VERSION-... tag found in jenkins/Dockerfile"
image_tag="${1:-adult-mlops/jenkins-standin:$lts}"

command -v docker >/dev/null || fail "the docker CLI is not installed; install Docker first" 2
docker info >/dev/null 2>&1 || fail "the Docker engine is not reachable; start dockerd (or Docker Desktop) and retry" 2
base_id="$(docker image inspect --format '{{.Id}}' "$base_image" 2>/dev/null)" \
  || fail "the base image $base_image is missing; make it with: scripts/build-base-image.sh $base_image" 2

# What the image is made of: the files the Dockerfile copies (its .dockerignore lets nothing else in),
# the base image's ID and the LTS it claims to stand in for.
digest="$(
  {
    for file in Dockerfile jenkins.sh jenkins-plugin-cli.py jenkins_standin.py casc_secrets.py; do
      printf '%s\n' "$file"
      sha256sum <"$context/$file"
    done
    printf '%s\n%s\n' "$base_id" "$lts"
  } | sha256sum | cut -d' ' -f1
)"

if [ "$(docker image inspect --format '{{index .Config.Labels "adult-mlops.standin.digest"}}' "$image_tag" 2>/dev/null)" = "$digest" ]; then
  echo "build-jenkins-standin: $image_tag is up to date (a stand-in for tests, not Jenkins)" >&2
  echo "$image_tag"
  exit 0
fi

previous_id="$(docker image inspect --format '{{.Id}}' "$image_tag" 2>/dev/null || true)"
echo "build-jenkins-standin: building $image_tag on $base_image (a stand-in for tests, not Jenkins $lts)" >&2
# The build's output only when it fails (apt's errors are in it).
status=0
output="$(docker build \
  --build-arg "BASE_IMAGE=$base_image" \
  --build-arg "JENKINS_VERSION=$lts" \
  --label "adult-mlops.standin.digest=$digest" \
  --tag "$image_tag" \
  "$context" 2>&1)" || status=$?
if [ "$status" -ne 0 ]; then
  printf '%s\n' "$output" >&2
  fail "docker build of $context failed" "$status"
fi
# The stand-in it replaces, now untagged; kept if a container or another tag still uses it.
if [ -n "$previous_id" ] && [ "$previous_id" != "$(docker image inspect --format '{{.Id}}' "$image_tag")" ]; then
  docker image rm "$previous_id" >/dev/null 2>&1 || true
fi
echo "$image_tag"
