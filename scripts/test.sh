#!/usr/bin/env bash
# The whole test suite, as CI runs it (README's second command):
#   formatting, clippy (warnings are errors), the pure build without I/O, every Rust test
#   (unit, wiremock, doc tests) and the conformance suite against a REAL magnum-api 23.0.0 that
#   this script starts on 127.0.0.1 and stops by pid, then the examples.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

state=$(mktemp -d)
cleanup() { scripts/real-magnum/down.sh "$state"; rm -rf "$state"; }
trap cleanup EXIT

echo "== real magnum-api"
scripts/real-magnum/up.sh "$state"
export MAGNUM_CONFORMANCE_URL
MAGNUM_CONFORMANCE_URL=$(cat "$state/url")

echo "== rustfmt, clippy, pure build"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build -p magnum-core --no-default-features

echo "== tests (conformance included: --include-ignored)"
cargo test --workspace -- --include-ignored 2>&1 | tee "$state/test.log"
# The conformance tests must have run, not been skipped.
grep -q 'Running tests/conformance.rs' "$state/test.log" || { echo "conformance suite did not run" >&2; exit 1; }
if grep -A3 'Running tests/conformance.rs' "$state/test.log" | grep -q 'running 0 tests'; then
  echo "conformance suite ran 0 tests" >&2; exit 1
fi
echo "== examples"
MAGNUM_ENDPOINT="$MAGNUM_CONFORMANCE_URL/v1" cargo run -q -p magnum-examples --example quickstart
echo "== all green"
