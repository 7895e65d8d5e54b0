#!/usr/bin/env bash
# Magnum's own tempest suite (magnum-tempest-plugin 2.12.0 on tempest 47.0.0), unchanged, against
# magnum-sim: pre-provisioned accounts (no dynamic credentials), the plugin's API tests and its
# RBAC tests with [enforce_scope] magnum = True, no test excluded. Each pass starts its own
# magnum-sim on a free port of 127.0.0.1, writes tempest.conf and accounts.yaml for it, runs
# `tempest run` and stops the simulator by pid.
#
# Two passes, as Magnum's own gate splits them (.zuul.d/base.yaml): every test but the flagship
# test_create_list_sign_delete_clusters, then the flagship alone on a fresh simulator. The
# flagship talks to the cluster's live Kubernetes API with the python kubernetes client and the
# plugin's kubectl helper, and sleeps 300 s twice by design (about 10.5 minutes). It needs its
# user's keypair, which the plugin deletes when it exists and creates when it does not, so with
# pre-provisioned accounts it only finds one if it comes first for its user: hence the fresh
# simulator. The plugin's helper calls /opt/stack/bin/kubectl (devstack's path); it is linked
# to the kubectl on PATH when absent.
#
# The failing tests must equal scripts/tempest/known-failures.txt (a new failure is a bug, a
# listed test that passes must leave the list).
#
# Usage: scripts/tempest/run.sh [REGEX]   (one pass over REGEX; only new failures count)
# The venv is cached in .cache/venv-tempest (TEMPEST_VENV overrides).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${TEMPEST_VENV:-$repo/.cache/venv-tempest}
if ! "$venv/bin/python" -c 'import tempest, magnum_tempest_plugin' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/scripts/tempest/requirements.txt"
fi
cargo build -q --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bin magnum-sim
if [ ! -e /opt/stack/bin/kubectl ] && command -v kubectl >/dev/null; then
  mkdir -p /opt/stack/bin && ln -s "$(command -v kubectl)" /opt/stack/bin/kubectl
fi
state=$(mktemp -d)
cleanup() {
  for pid in "$state"/*/pid; do
    if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; fi
  done
  rm -rf "$state"
}
trap cleanup EXIT
flagship='magnum_tempest_plugin\.tests\.api\.v1\.test_cluster\.ClusterTest\.test_create_list_sign_delete_clusters'
: > "$state/failing"
passed=0

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

# run_pass NAME REGEX [EXCLUDE_REGEX]
run_pass() {
  local dir="$state/$1" regex=$2 exclude=${3:-}
  mkdir -p "$dir"
  "$repo/target/debug/magnum-sim" --create-seconds 1 --update-seconds 0.5 --delete-seconds 0.5 \
    "${personas[@]}" > "$dir/env" 2> "$dir/err" &
  echo $! > "$dir/pid"
  for _ in $(seq 100); do grep -q OS_PROJECT_DOMAIN_NAME "$dir/env" 2>/dev/null && break; sleep 0.1; done
  grep -q OS_PROJECT_DOMAIN_NAME "$dir/env" || { cat "$dir/err" >&2; exit 1; }
  local auth_url password
  auth_url=$(sed -n 's/^export OS_AUTH_URL=//p' "$dir/env")
  password=$(sed -n 's/^export OS_PASSWORD=//p' "$dir/env")
  # The workspace registry stays in the state directory (not ~/.tempest), so runs never collide.
  "$venv/bin/tempest" init --workspace-path "$dir/workspaces.yaml" --name "sim-$$-$1" \
    "$dir/workspace" > "$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; exit 1; }
  cat > "$dir/workspace/etc/accounts.yaml" <<YAML
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
  cat > "$dir/workspace/etc/tempest.conf" <<CONF
[DEFAULT]
log_file = $dir/workspace/tempest.log

[oslo_concurrency]
lock_path = $dir/locks

[auth]
use_dynamic_credentials = False
test_accounts_file = $dir/workspace/etc/accounts.yaml
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
  local args=(--concurrency 1 --regex "$regex")
  if [ -n "$exclude" ]; then args+=(--exclude-regex "$exclude"); fi
  (
    cd "$dir/workspace"
    "$venv/bin/tempest" run "${args[@]}" > "$dir/run.log" 2>&1 || true
    # The per-test lines and the totals.
    grep -E '^\{0\}|^ - (Passed|Skipped|Failed)|^Ran:' "$dir/run.log" || true
    { "$venv/bin/stestr" failing --list 2>/dev/null || true; } | sed "s/\[.*//" >> "$state/failing"
  )
  local n
  n=$(sed -n 's/^ - Passed: //p' "$dir/run.log")
  if [ -z "$n" ]; then
    tail -50 "$dir/run.log" >&2
    echo "tempest ($1): no result" >&2
    exit 1
  fi
  passed=$((passed + n))
  kill "$(cat "$dir/pid")" 2>/dev/null || true
  rm -f "$dir/pid"
}

details() {
  for log in "$state"/*/run.log; do
    grep -B2 -A30 -E '^(FAIL|ERROR):|^Details' "$log" | tail -200 >&2 || true
  done
}

sort -u -o "$state/failing" "$state/failing"
grep -v '^#' "$repo/scripts/tempest/known-failures.txt" | sed '/^$/d' | sort -u > "$state/known"
if [ $# -gt 0 ]; then
  run_pass subset "$1"
  sort -u -o "$state/failing" "$state/failing"
  new=$(comm -13 "$state/known" "$state/failing")
  if [ -n "$new" ]; then
    details
    echo "tempest: failing and not in scripts/tempest/known-failures.txt:" >&2
    echo "$new" >&2
    exit 1
  fi
  echo "tempest: $passed passed, $(wc -l < "$state/failing") failed, none of them new"
  exit 0
fi
run_pass all '^magnum_tempest_plugin\.' "^$flagship"
run_pass flagship "^$flagship"
sort -u -o "$state/failing" "$state/failing"
if [ "$passed" -eq 0 ]; then
  details
  echo "tempest: no test passed" >&2
  exit 1
fi
if ! diff -u "$state/known" "$state/failing" > "$state/diff"; then
  details
  echo "tempest: the failing tests differ from scripts/tempest/known-failures.txt (- known, + failing):" >&2
  sed -n '3,$p' "$state/diff" >&2
  exit 1
fi
echo "tempest: $passed passed, $(wc -l < "$state/failing") failed as listed in scripts/tempest/known-failures.txt"
