#!/usr/bin/env bash
# Run the decode benchmark against the Python clients in one go (see list_page.py).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${BENCH_VENV:-$repo/.cache/venv-bench}
if ! "$venv/bin/python" -c 'import magnumclient, openstack' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/bench/requirements.txt"
fi
exec "$venv/bin/python" "$repo/scripts/bench/list_page.py"
