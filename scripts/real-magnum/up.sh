#!/usr/bin/env bash
# Start a real magnum-api 23.0.0 on 127.0.0.1 (free port), seeded with conformance data.
# Usage: up.sh STATE_DIR   -> writes STATE_DIR/url and STATE_DIR/pid; stop with down.sh STATE_DIR.
# Without MAGNUM_KEYSTONE_URL the pipeline has no authtoken (identity from X-User-Id/X-Project-Id/
# X-Roles headers). With MAGNUM_KEYSTONE_URL (and KEYSTONE_ADMIN_PASSWORD) Magnum's real
# authtoken filter validates Keystone tokens; MAGNUM_SEED_PROJECT sets the seeded project id.
# The venv is built once from requirements.txt into ${MAGNUM_VENV:-<repo>/.cache/venv-magnum}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${1:?usage: up.sh STATE_DIR}
venv=${MAGNUM_VENV:-$repo/.cache/venv-magnum}
mkdir -p "$state"
state=$(cd "$state" && pwd)

if ! "$venv/bin/python" -c 'import magnum' 2>/dev/null; then
  echo "real-magnum: creating venv $venv (pip install magnum==23.0.0, ~25 s)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db="$state/magnum.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
cat > "$state/magnum.conf" <<CONF
[DEFAULT]
debug = False
log_file = $state/magnum.log
transport_url = fake:/
host = conformance
state_path = $state
[database]
connection = sqlite:///$db
[api]
host = 127.0.0.1
port = $port
workers = 1
api_paste_config = $here/api-paste-noauth.ini
[oslo_concurrency]
lock_path = $state/locks
[cluster]
temp_cache_dir = $state/certs
[certificates]
cert_manager_type = x509keypair
[oslo_messaging_notifications]
driver = noop
[quotas]
max_clusters_per_project = 20
CONF
paste="$here/api-paste-noauth.ini"
if [ -n "${MAGNUM_KEYSTONE_URL:-}" ]; then
  paste="$here/api-paste-keystone.ini"
  cat >> "$state/magnum.conf" <<CONF
[keystone_authtoken]
www_authenticate_uri = $MAGNUM_KEYSTONE_URL
auth_url = $MAGNUM_KEYSTONE_URL
auth_type = password
username = admin
password = ${KEYSTONE_ADMIN_PASSWORD:-admin-secret}
project_name = admin
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = false
CONF
fi
sed -i "s|^api_paste_config = .*|api_paste_config = $paste|" "$state/magnum.conf"

"$venv/bin/python" "$here/create_schema.py" "sqlite:///$db"
"$venv/bin/magnum-db-manage" --config-file "$state/magnum.conf" stamp head >/dev/null 2>&1
"$venv/bin/python" "$here/seed.py" "$state/magnum.conf" >"$state/seed.out" 2>&1

# 9>&- : do not hand a caller's lock/pipe descriptors to the long-lived server.
"$venv/bin/python" "$here/serve.py" "$state/magnum.conf" >"$state/server.out" 2>&1 9>&- &
echo $! > "$state/pid"
url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
  if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/" 2>/dev/null; then
    echo "$url" > "$state/url"
    echo "real-magnum: magnum-api 23.0.0 at $url (pid $(cat "$state/pid"))" >&2
    exit 0
  fi
  if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "real-magnum: server did not start; log follows" >&2
tail -n 40 "$state/server.out" "$state/magnum.log" >&2 || true
kill "$(cat "$state/pid")" 2>/dev/null || true
exit 1
