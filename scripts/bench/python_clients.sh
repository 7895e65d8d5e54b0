#!/usr/bin/env bash
# The Python binding vs the Python clients, one command: builds a release wheel of magnum-sdk,
# installs it into the bench venv (python-magnumclient 5.0.0 + openstacksdk 4.22.0), starts a
# real magnum-api and magnum-sim on 127.0.0.1, runs python_clients.py, and stops both by pid.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${BENCH_VENV:-$repo/.cache/venv-bench}
if ! "$venv/bin/python" -c 'import magnumclient, openstack' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/bench/requirements.txt"
fi
"$venv/bin/pip" install -q --disable-pip-version-check maturin==1.16.0
rm -rf "$repo/target/wheels"
"$venv/bin/maturin" build -q --release -m "$repo/magnum-py/Cargo.toml" -o "$repo/target/wheels"
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall "$repo"/target/wheels/magnum_sdk-*.whl
cargo build -q --release --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bin magnum-sim
state=$(mktemp -d)
trap 'kill "$(cat "$state/sim.pid")" 2>/dev/null; "$repo/scripts/real-magnum/down.sh" "$state"; rm -rf "$state"' EXIT
"$repo/scripts/real-magnum/up.sh" "$state"
"$repo/target/release/magnum-sim" --create-seconds 0.2 --max-clusters 100000 --max-nodes 1000000 > "$state/sim.env" 2>/dev/null &
echo $! > "$state/sim.pid"
for _ in $(seq 50); do grep -q OS_PROJECT_DOMAIN_NAME "$state/sim.env" 2>/dev/null && break; sleep 0.1; done
MAGNUM_URL=$(cat "$state/url") MAGNUM_SIM_ENV="$state/sim.env" "$venv/bin/python" "$repo/scripts/bench/python_clients.py"
