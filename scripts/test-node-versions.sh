#!/usr/bin/env bash
# npm run test:node-versions [-- 22 24 [-- mocha args]]: runs the test suite on other Node majors than the machine's,
# with Node itself taken from the npm package `node@<major>` through npx (no system install). Default: 22 and 24.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then
  echo "Usage: npm run test:node-versions [-- MAJOR... [-- MOCHA_ARGS...]]"
  echo "Runs the test suite (or the given mocha arguments) on each Node major, Node taken from npm. Default: 22 24."
  exit 0
fi
versions=()
while [[ $# -gt 0 && $1 != "--" ]]; do versions+=("$1"); shift; done
[[ ${1:-} == "--" ]] && shift
[[ ${#versions[@]} -eq 0 ]] && versions=(22 24)
for major in "${versions[@]}"; do
  [[ $major =~ ^[0-9]+$ ]] || { echo "test-node-versions: not a Node major: $major (npm run test:node-versions -- --help)" >&2; exit 2; }
  echo "== Node $major"
  npx -y -p "node@$major" -- sh -c 'node -v && exec npx mocha "$@"' mocha "$@"
done
