#!/usr/bin/env bash
# The simulator against a real magnum-api 23.0.0 in one run: starts magnum-api on 127.0.0.1
# (scripts/real-magnum/up.sh), runs the release-build benchmark, stops the server by pid.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
state=$(mktemp -d)
trap '"$repo/scripts/real-magnum/down.sh" "$state"; rm -rf "$state"' EXIT
"$repo/scripts/real-magnum/up.sh" "$state"
MAGNUM_URL=$(cat "$state/url") cargo bench --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bench sim_vs_magnum
