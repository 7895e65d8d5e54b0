#!/usr/bin/env bash
# python-magnumclient 5.0.0 and openstacksdk 4.22.0, unchanged, against the magnum-sim binary:
# their own Keystone auth (keystoneauth1) against the simulator's Keystone front, then templates,
# clusters, nodegroups, certificates, quotas, stats and services (test_real_clients.py).
# Starts magnum-sim on a free port of 127.0.0.1 and stops it by pid.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${SIM_CLIENTS_VENV:-$repo/.cache/venv-clients}
if ! "$venv/bin/python" -c 'import magnumclient, openstack, pytest' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/sim-clients/requirements.txt"
fi
cargo build -q --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bin magnum-sim
state=$(mktemp -d)
cleanup() {
  if [ -f "$state/pid" ]; then kill "$(cat "$state/pid")" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT
"$repo/target/debug/magnum-sim" --create-seconds 0.5 --update-seconds 0.3 --delete-seconds 0.3 \
  > "$state/env" 2> "$state/err" &
echo $! > "$state/pid"
for _ in $(seq 100); do grep -q OS_PROJECT_DOMAIN_NAME "$state/env" 2>/dev/null && break; sleep 0.1; done
grep -q OS_PROJECT_DOMAIN_NAME "$state/env" || { cat "$state/err" >&2; exit 1; }
(set -a; . "$state/env"; env -u OS_CLOUD -u OS_CLIENT_CONFIG_FILE \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$repo/scripts/sim-clients/test_real_clients.py" "$@")
