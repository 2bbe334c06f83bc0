#!/usr/bin/env bash
# npm run test:unit: the type check, the node units in two shards (test/support/unitSuite.ts) and the
# Python units, all side by side on this machine's cores; each one's output is printed when all are
# done, in that order. Fails, naming them, if any of them fails. The type check and the lint keep caches
# in node_modules/.cache for the next run (npm test and npm run lint check everything anew).
set -uo pipefail
cd "$(dirname "$0")/.." || exit

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
names=(build node-0 node-1 python)
commands=(
  "npm run --silent build"
  "LINT_CACHE=1 UNIT_SHARD=0/2 npm run --silent test:node:unit"
  "LINT_CACHE=1 UNIT_SHARD=1/2 npm run --silent test:node:unit"
  "npm run --silent test:python:unit"
)
echo "test:unit: ${names[*]} started side by side"
pids=()
for i in "${!names[@]}"; do
  bash -c "${commands[$i]}" >"$logs/$i.log" 2>&1 &
  pids+=("$!")
done

failed=()
for i in "${!names[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
done
for i in "${!names[@]}"; do
  echo "# ${names[$i]}: ${commands[$i]}"
  cat "$logs/$i.log"
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "test:unit: failed: ${failed[*]}" >&2
  exit 1
fi
echo "test:unit: all passed"
