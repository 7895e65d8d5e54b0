#!/usr/bin/env bash
# CA benchmark: magnum-rs vs Magnum's own x509 code, one command (see ca_vs_magnum.py).
# Uses (and creates if needed) the real-magnum venv from scripts/real-magnum/requirements.txt.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${MAGNUM_VENV:-$repo/.cache/venv-magnum}
if ! "$venv/bin/python" -c 'import magnum' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/real-magnum/requirements.txt"
fi
cargo build -q --release -p magnum-examples --example ca_bench
exec "$venv/bin/python" "$repo/scripts/bench/ca_vs_magnum.py"
