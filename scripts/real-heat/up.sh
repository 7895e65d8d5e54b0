#!/usr/bin/env bash
# Start a REAL OpenStack Heat 27.0.1 (PyPI) on 127.0.0.1 next to a running test Keystone, API and
# engine in one process (heat_server.py), sqlite, no message broker, legacy engine.
# Usage: up.sh STATE_DIR KEYSTONE_URL ADMIN_PASSWORD -> STATE_DIR/url (http://127.0.0.1:PORT),
#        STATE_DIR/pid. Stop with down.sh STATE_DIR.
# The venv is built once from constraints.txt into ${HEAT_VENV:-<repo>/.cache/venv-heat}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${1:?usage: up.sh STATE_DIR KEYSTONE_URL ADMIN_PASSWORD}
keystone=${2:?keystone url}
admin_password=${3:?admin password}
venv=${HEAT_VENV:-$repo/.cache/venv-heat}
mkdir -p "$state/log"
state=$(cd "$state" && pwd)
export PYTHONWARNINGS=ignore

if ! [ -x "$venv/bin/heat-manage" ] || ! "$venv/bin/python" -c 'import heat.engine.service' 2>/dev/null; then
  echo "real-heat: creating venv $venv (pip install openstack-heat==27.0.1, ~30 s)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -U pip
  "$venv/bin/pip" install -q --disable-pip-version-check -c "$here/constraints.txt" openstack-heat==27.0.1
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
python3 "$here/register.py" "$keystone" "$admin_password" "$url" heat-secret domain-secret >&2
ks_base=${keystone%/v3}
cat > "$state/heat.conf" <<CONF
[DEFAULT]
debug = ${HEAT_DEBUG:-false}
use_stderr = false
log_file = $state/log/heat.log
host = heat-test
transport_url = fake:/
convergence_engine = false
num_engine_workers = 1
auth_encryption_key = 0123456789abcdef0123456789abcdef
region_name_for_services = RegionOne
deferred_auth_method = trusts
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = domain-secret
environment_dir = $venv/etc/heat/environment.d
template_dir = $venv/etc/heat/templates
heat_metadata_server_url = $url
heat_waitcondition_server_url = $url/v1/waitcondition
[database]
connection = sqlite:///$state/heat.db
[paste_deploy]
api_paste_config = $venv/etc/heat/api-paste.ini
[keystone_authtoken]
www_authenticate_uri = $keystone
auth_url = $ks_base
auth_type = password
username = heat
password = heat-secret
project_name = service
user_domain_id = default
project_domain_id = default
region_name = RegionOne
[trustee]
auth_type = password
auth_url = $ks_base
username = heat
password = heat-secret
user_domain_id = default
[clients_keystone]
auth_uri = $ks_base
[oslo_messaging_notifications]
driver = noop
CONF
rm -f "$state/heat.db" "$state/pid"
"$venv/bin/heat-manage" --config-file "$state/heat.conf" db_sync > "$state/log/db_sync.log" 2>&1 \
  || { tail -20 "$state/log/db_sync.log" >&2; exit 1; }
setsid "$venv/bin/python" "$here/heat_server.py" --config-file "$state/heat.conf" --port "$port" \
  --pid-file "$state/pid" < /dev/null > "$state/log/server.out" 2>&1 &
for _ in $(seq 1 600); do
  if [ -s "$state/pid" ] && curl -sf -m 2 -o /dev/null "$url/"; then
    echo "$url" > "$state/url"
    echo "real-heat: heat 27.0.1 at $url (pid $(cat "$state/pid"))" >&2
    exit 0
  fi
  sleep 0.1
done
tail -30 "$state/log/server.out" "$state/log/heat.log" >&2 || true
echo "real-heat: did not start in 60 s" >&2
exit 1
