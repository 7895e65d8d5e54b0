#!/usr/bin/env bash
# Magnum's own tempest suite (magnum-tempest-plugin 2.12.0 on tempest 47.0.0), unchanged, against
# magnum-sim: pre-provisioned accounts (no dynamic credentials), the plugin's API tests and its
# RBAC tests with [enforce_scope] magnum = True. Starts magnum-sim on a free port of 127.0.0.1,
# writes tempest.conf and accounts.yaml for it, runs `tempest run`, and stops the simulator by pid.
#
# Usage: scripts/tempest/run.sh [REGEX]   (default: every test of the plugin)
# The venv is cached in .cache/venv-tempest (TEMPEST_VENV overrides).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${TEMPEST_VENV:-$repo/.cache/venv-tempest}
if ! "$venv/bin/python" -c 'import tempest, magnum_tempest_plugin' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/tempest/requirements.txt"
fi
cargo build -q --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bin magnum-sim
state=$(mktemp -d)
cleanup() {
  if [ -f "$state/pid" ]; then kill "$(cat "$state/pid")" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT
# Personas: tempest's RBAC tests take an admin, a member and a reader of one project per test
# class, and magnum-tempest-plugin never gives them back (its BaseTempestTest overrides
# tempest's clear_credentials, so tempest's own release does nothing): one project of personas
# per RBAC class (4) besides the simulator's own `demo` project.
personas=()
accounts=""
for n in 1 2 3 4; do
  for persona in admin:admin,member,reader member:member,reader reader:reader; do
    role=${persona%%:*}
    personas+=(--user "rbac$n-$role:rbac-$n:${persona#*:}")
    accounts+="- {username: rbac$n-$role, project_name: rbac-$n, password: PASSWORD, roles: [$role]}"$'\n'
  done
done
"$repo/target/debug/magnum-sim" --create-seconds 1 --update-seconds 0.5 --delete-seconds 0.5 \
  "${personas[@]}" > "$state/env" 2> "$state/err" &
echo $! > "$state/pid"
for _ in $(seq 100); do grep -q OS_PROJECT_DOMAIN_NAME "$state/env" 2>/dev/null && break; sleep 0.1; done
grep -q OS_PROJECT_DOMAIN_NAME "$state/env" || { cat "$state/err" >&2; exit 1; }
auth_url=$(sed -n 's/^export OS_AUTH_URL=//p' "$state/env")
password=$(sed -n 's/^export OS_PASSWORD=//p' "$state/env")
# The workspace registry stays in the state directory (not ~/.tempest), so runs never collide.
"$venv/bin/tempest" init --workspace-path "$state/workspaces.yaml" --name "sim-$$" \
  "$state/workspace" > "$state/init.log" 2>&1 || { cat "$state/init.log" >&2; exit 1; }
cat > "$state/workspace/etc/accounts.yaml" <<YAML
# The simulator's users (docs/simulator.md, "Users and policy"), as devstack seeds them: an
# admin, a member and a reader in the same project (tempest's RBAC personas must share one),
# and a member of a second project for tests that need another user.
- username: demo-admin
  project_name: demo
  password: $password
  roles: [admin]
- username: demo
  project_name: demo
  password: $password
  roles: [member]
- username: viewer
  project_name: demo
  password: $password
  roles: [reader]
- username: alt-demo
  project_name: alt-demo
  password: $password
  roles: [member]
${accounts//PASSWORD/$password}
YAML
cat > "$state/workspace/etc/tempest.conf" <<CONF
[DEFAULT]
log_file = $state/workspace/tempest.log

[oslo_concurrency]
lock_path = $state/locks

[auth]
use_dynamic_credentials = False
test_accounts_file = $state/workspace/etc/accounts.yaml
admin_username = admin
admin_password = $password
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default

[identity]
uri_v3 = $auth_url
auth_version = v3
region = RegionOne
admin_role = admin
disable_ssl_certificate_validation = True

[identity-feature-enabled]
api_v2 = False

[service_available]
magnum = True
nova = True
glance = True
neutron = True
cinder = True
swift = False

[enforce_scope]
magnum = True

[magnum]
image_id = fedora-coreos-40
nic_id = public
keypair_name = magnum-test
flavor_id = m1.small
master_flavor_id = m1.medium
dns_nameserver = 8.8.8.8
copy_logs = False
copy_logs_success = False
cluster_creation_timeout = 2
cluster_delete_timeout = 2
CONF
cd "$state/workspace"
set +e
"$venv/bin/tempest" run --concurrency 1 --regex "${1:-^magnum_tempest_plugin\.}" > "$state/run.log" 2>&1
set -e
# The per-test lines and the totals; the full log only when something unexpected happened.
grep -E '^\{0\}|^ - (Passed|Skipped|Failed)|^Ran:' "$state/run.log" || true
{ "$venv/bin/stestr" failing --list 2>/dev/null || true; } | sed "s/\[.*//" | sort -u > "$state/failing"
grep -v '^#' "$repo/scripts/tempest/known-failures.txt" | sed '/^$/d' | sort -u > "$state/known"
passed=$(sed -n 's/^ - Passed: //p' "$state/run.log")
if [ -z "$passed" ] || [ "$passed" -eq 0 ]; then
  tail -50 "$state/run.log" >&2
  echo "tempest: no test passed" >&2
  exit 1
fi
if [ $# -gt 0 ]; then
  # A subset was asked for: only new failures count.
  new=$(comm -13 "$state/known" "$state/failing")
  if [ -n "$new" ]; then
    grep -B2 -A30 -E '^(FAIL|ERROR):|^Details' "$state/run.log" | tail -200 >&2 || true
    echo "tempest: failing and not in scripts/tempest/known-failures.txt:" >&2
    echo "$new" >&2
    exit 1
  fi
  echo "tempest: $passed passed, $(wc -l < "$state/failing") failed, none of them new"
  exit 0
fi
if ! diff -u "$state/known" "$state/failing" > "$state/diff"; then
  grep -B2 -A30 -E '^(FAIL|ERROR):|^Details' "$state/run.log" | tail -200 >&2 || true
  echo "tempest: the failing tests differ from scripts/tempest/known-failures.txt (- known, + failing):" >&2
  sed -n '3,$p' "$state/diff" >&2
  exit 1
fi
echo "tempest: $passed passed, $(wc -l < "$state/failing") failed as listed in scripts/tempest/known-failures.txt"
