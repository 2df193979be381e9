#!/usr/bin/env bash
# The path of a new course author (docs/adding-a-lab.md), from a fresh clone: scaffold lab 07,
# then prove it alone. Runs in a scratch clone of what is committed, with this checkout's
# node_modules, so nothing here changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git clone --quiet . "$scratch/repo"
ln -s "$PWD/node_modules" "$scratch/repo/node_modules"
cd "$scratch/repo"
npm run new-lab -- 07 example
npm test -- 07
