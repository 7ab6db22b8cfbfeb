#!/usr/bin/env bash
# Lints what the package ships (nodes/, credentials/, package.json) with n8n's own `n8n-node lint`
# in strict (n8n Cloud) mode, unmodified. It lints a copy of just those files: `n8n-node lint` lints
# the whole folder, and the tests, emulator and scripts are development tools that never ship and
# need Node's own modules, which the cloud rules rightly forbid in a node.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r "$root/package.json" "$root/eslint.config.mjs" "$root/tsconfig.json" "$root/nodes" "$root/credentials" "$root/icons" "$stage/"
ln -s "$root/node_modules" "$stage/node_modules"
cd "$stage"
npx --no-install n8n-node lint
# n8n-node lint fails on errors; warnings must not pass either.
npx --no-install eslint . --max-warnings 0
