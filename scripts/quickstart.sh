#!/usr/bin/env bash
# README's first command. With MAGNUM_ENDPOINT set it runs the quickstart against that endpoint;
# otherwise it starts a real magnum-api 23.0.0 on 127.0.0.1 (scripts/real-magnum/up.sh, seeded
# with sample templates and clusters), runs the quickstart against it, and stops it by pid.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
if [ -n "${MAGNUM_ENDPOINT:-}" ]; then
  exec cargo run -q -p magnum-examples --example quickstart
fi
state=$(mktemp -d)
trap 'scripts/real-magnum/down.sh "$state"; rm -rf "$state"' EXIT
scripts/real-magnum/up.sh "$state"
MAGNUM_ENDPOINT="$(cat "$state/url")/v1" cargo run -q -p magnum-examples --example quickstart
