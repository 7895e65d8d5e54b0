#!/usr/bin/env bash
# Start a REAL Keystone 30.0.0 (PyPI) on 127.0.0.1 (free port) with sqlite + fernet, for tests.
# Usage: up.sh STATE_DIR  -> STATE_DIR/url (http://127.0.0.1:PORT/v3), STATE_DIR/pid,
#        STATE_DIR/openrc (OS_* exports for the bootstrap admin). Stop with down.sh STATE_DIR.
# The venv is built once from requirements.txt into ${KEYSTONE_VENV:-<repo>/.cache/venv-keystone}.
# Test settings: bcrypt 4 rounds (fast password auth), one gunicorn worker and ONE thread
# (sqlite + threads gives "database is locked" and wrong answers), in-process cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${1:?usage: up.sh STATE_DIR}
venv=${KEYSTONE_VENV:-$repo/.cache/venv-keystone}
admin_password=${KEYSTONE_ADMIN_PASSWORD:-admin-secret}
mkdir -p "$state"
state=$(cd "$state" && pwd)
export PYTHONWARNINGS=ignore

if ! [ -x "$venv/bin/gunicorn" ] || ! "$venv/bin/python" -c 'import keystone' 2>/dev/null; then
  echo "real-keystone: creating venv $venv (pip install keystone==30.0.0, ~20 s)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -U pip
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/v3"
rm -rf "$state/ks" && mkdir -p "$state/ks/fernet-keys" "$state/ks/credential-keys" "$state/ks/log" "$state/ks/conf.d"
chmod 700 "$state/ks/fernet-keys" "$state/ks/credential-keys"
d="$state/ks"
cat > "$d/keystone.conf" <<CONF
[DEFAULT]
log_file = $d/log/keystone.log
debug = ${KEYSTONE_DEBUG:-false}
[database]
connection = sqlite:///$d/keystone.db
[token]
provider = fernet
expiration = ${KEYSTONE_TOKEN_EXPIRATION:-3600}
[fernet_tokens]
key_repository = $d/fernet-keys
[fernet_receipts]
key_repository = $d/fernet-keys
[credential]
key_repository = $d/credential-keys
[identity]
password_hash_rounds = 4
[oslo_policy]
policy_file = $d/policy.yaml
[cache]
enabled = true
backend = dogpile.cache.memory
CONF
echo '{}' > "$d/policy.yaml"
km=("$venv/bin/keystone-manage" --config-file "$d/keystone.conf" --config-dir "$d/conf.d")
"${km[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" >/dev/null 2>&1 &
"${km[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" >/dev/null 2>&1 &
"${km[@]}" db_sync >"$d/log/db_sync.out" 2>&1
wait
"${km[@]}" bootstrap --bootstrap-username admin --bootstrap-password "$admin_password" \
  --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
  --bootstrap-region-id RegionOne --bootstrap-public-url "$url" --bootstrap-internal-url "$url" \
  --bootstrap-admin-url "$url" >"$d/log/bootstrap.out" 2>&1

# Keystone's oslo.config parses sys.argv inside the worker: replace gunicorn's flags first.
cat > "$d/ks_wsgi.py" <<PY
import sys
sys.argv = [sys.argv[0], "--config-file", "$d/keystone.conf", "--config-dir", "$d/conf.d"]
from keystone.wsgi.api import application  # noqa: E402,F401
PY
setsid "$venv/bin/gunicorn" --chdir "$d" --bind "127.0.0.1:$port" --workers 1 --threads 1 \
  --no-control-socket --pid "$d/gunicorn.pid" ks_wsgi:application \
  </dev/null >"$d/log/gunicorn.out" 2>&1 9>&- &
echo $! > "$state/pid"
for _ in $(seq 1 300); do
  if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url" 2>/dev/null; then
    echo "$url" > "$state/url"
    cat > "$state/openrc" <<RC
export OS_AUTH_URL=$url
export OS_USERNAME=admin
export OS_PASSWORD=$admin_password
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_IDENTITY_API_VERSION=3
RC
    echo "real-keystone: keystone 30.0.0 at $url (pid $(cat "$state/pid"))" >&2
    exit 0
  fi
  kill -0 "$(cat "$state/pid")" 2>/dev/null || break
  if [ "$(grep -c 'Booting worker' "$d/log/gunicorn.out" 2>/dev/null || true)" -gt 3 ]; then break; fi
  sleep 0.2
done
echo "real-keystone: keystone did not start; log follows" >&2
tail -n 30 "$d/log/gunicorn.out" "$d/log/keystone.log" >&2 || true
"$here/down.sh" "$state"
exit 1
