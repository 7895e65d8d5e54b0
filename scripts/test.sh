#!/usr/bin/env bash
# The whole test suite, as CI runs it (README's second command):
#   formatting, clippy (warnings are errors), the pure build without I/O, every Rust test
#   (unit, wiremock, doc tests), the conformance suite against a REAL magnum-api 23.0.0 and the
#   auth/trust suite against a REAL Keystone 30.0.0, the Heat suite against a REAL Heat 27.0.1,
#   all started here on 127.0.0.1 and stopped
#   by pid, then the examples, the real Python clients and Magnum's own tempest suite against
#   magnum-sim, the Python binding and its wheel.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

state=$(mktemp -d)
cleanup() {
  if [ -f "$state/sim.pid" ]; then kill "$(cat "$state/sim.pid")" 2>/dev/null || true; fi
  scripts/real-magnum/down.sh "$state/magnum"
  scripts/real-magnum/down.sh "$state/magnum-keystone"
  scripts/real-heat/down.sh "$state/heat"
  scripts/real-keystone/down.sh "$state/keystone"
  rm -rf "$state"
}
trap cleanup EXIT

echo "== tools the tests use"
if ! command -v openssl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
openssl version
# kubectl reads the simulator's live Kubernetes APIs (magnum-py tests, Magnum's tempest suite).
if ! command -v kubectl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq kubernetes-client >/dev/null
fi
kubectl version --client 2>/dev/null | sed -n 1p  # sed reads it all: no SIGPIPE under pipefail
# protoc compiles Terraform's plugin protocol (examples/terraform-provider, tonic-build).
if ! command -v protoc >/dev/null; then
  apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null
fi
protoc --version
# terraform drives the provider (examples/terraform-provider). It ships on this machine kind;
# where it is missing, the scenario says so loudly and everything else still runs.
terraform_bin=$(command -v terraform || true)
if [ -z "$terraform_bin" ] && [ -x /usr/local/bin/terraform ]; then terraform_bin=/usr/local/bin/terraform; fi
if [ -n "$terraform_bin" ]; then
  export MAGNUM_REQUIRE_TERRAFORM=1 TERRAFORM="$terraform_bin" CHECKPOINT_DISABLE=1
  "$terraform_bin" version | sed -n 1p
else
  echo "!!!!! terraform CLI not found: the Terraform provider scenario and README will NOT run !!!!!"
fi

echo "== real Keystone, magnum-api and Heat"
scripts/real-keystone/up.sh "$state/keystone"
scripts/real-magnum/up.sh "$state/magnum"
# A second magnum-api behind Magnum's real authtoken filter, validating tokens of this Keystone,
# seeded in the Keystone admin project: the end-to-end path clouds.yaml -> Keystone -> catalog
# -> Magnum.
MAGNUM_KEYSTONE_URL=$(cat "$state/keystone/url") \
MAGNUM_SEED_PROJECT=$(python3 scripts/real-keystone/admin_project.py "$(cat "$state/keystone/url")" admin-secret) \
  scripts/real-magnum/up.sh "$state/magnum-keystone"
python3 scripts/real-keystone/register_service.py "$(cat "$state/keystone/url")" admin-secret \
  container-infra "$(cat "$state/magnum-keystone/url")/v1"
# A real Heat 27.0.1 (API + engine in one process, sqlite, no broker) registered as
# `orchestration` in the same Keystone: the Heat REST layer and the k8s_fedora_coreos_v1 driver
# (magnum-drivers/tests/heat_real.rs, heat_driver.rs).
scripts/real-heat/up.sh "$state/heat" "$(cat "$state/keystone/url")" admin-secret
# python-magnumclient 5.0.0, for byte-compatibility checks of kubeconfig output.
osc_venv="${BENCH_VENV:-$repo/.cache/venv-bench}"
if ! "$osc_venv/bin/python" -c 'import magnumclient, openstack' 2>/dev/null; then
  python3 -m venv "$osc_venv"
  "$osc_venv/bin/pip" install -q --disable-pip-version-check -r scripts/bench/requirements.txt
fi
export MAGNUM_CONFORMANCE_URL KEYSTONE_URL CRYPTO_PYTHON OSC_PYTHON MAGNUM_KEYSTONE_PROTECTED_URL
MAGNUM_KEYSTONE_PROTECTED_URL=$(cat "$state/magnum-keystone/url")
OSC_PYTHON="$osc_venv/bin/python"
# Magnum's own venv carries Python `cryptography` (the library Magnum signs with).
CRYPTO_PYTHON="${MAGNUM_VENV:-$repo/.cache/venv-magnum}/bin/python"
MAGNUM_CONFORMANCE_URL=$(cat "$state/magnum/url")
KEYSTONE_URL=$(cat "$state/keystone/url")

echo "== rustfmt, clippy, pure build"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build -p magnum-core --no-default-features
cargo build -p magnum-core --no-default-features --features ca
RUSTDOCFLAGS="-D warnings" cargo doc -q -p magnum-core -p magnum-drivers -p magnum-py --no-deps

echo "== tests (conformance included: --include-ignored)"
cargo test --workspace -- --include-ignored 2>&1 | tee "$state/test.log"
# The real-server suites must have run, not been skipped.
suites="conformance keystone ca kubeconfig conductor_keystone heat_real heat_driver simulator simulator_differential simulator_hostile doctor_cloud"
if [ -n "$terraform_bin" ]; then suites="$suites terraform_cli"; fi
for suite in $suites; do
  grep -q "Running tests/$suite.rs" "$state/test.log" || { echo "$suite suite did not run" >&2; exit 1; }
  if grep -A3 "Running tests/$suite.rs" "$state/test.log" | grep -q 'running 0 tests'; then
    echo "$suite suite ran 0 tests" >&2; exit 1
  fi
done
echo "== examples"
# A clouds.yaml for the test Keystone (its catalog lists the authtoken-protected magnum-api).
cat > "$state/clouds.yaml" <<YAML
clouds:
  magnum-rs-test:
    auth:
      auth_url: $KEYSTONE_URL
      username: admin
      user_domain_name: Default
      project_name: admin
      project_domain_name: Default
    region_name: RegionOne
YAML
printf 'clouds:\n  magnum-rs-test:\n    auth:\n      password: admin-secret\n' > "$state/secure.yaml"
(cd "$state" && env -u OS_CLIENT_CONFIG_FILE OS_CLOUD=magnum-rs-test \
  cargo run -q --manifest-path "$repo/Cargo.toml" -p magnum-examples --example cloud_login)
# The doctor's cloud checks on the real Keystone + magnum-api + Heat: their catalog is on loopback.
rc=0; (cd "$state" && env -u OS_CLIENT_CONFIG_FILE OS_CLOUD=magnum-rs-test \
  cargo run -q --manifest-path "$repo/Cargo.toml" -p magnum-examples --example doctor -- cloud --json) \
  > "$state/doctor-cloud.json" || rc=$?
test "$rc" -eq 1
python3 -c 'import json, sys
found = {(f["code"], f["field"]) for f in json.load(open(sys.argv[1]))["findings"]}
for field in ("catalog.identity", "catalog.container-infra", "catalog.orchestration"):
    assert ("MAGNUM-CLOUD-ENDPOINT-UNREACHABLE", field) in found, found
assert ("MAGNUM-CLOUD-NO-BARBICAN", "catalog") in found, found
print("doctor cloud:", sorted(found))' "$state/doctor-cloud.json"
# README's first command, on the embedded simulator: the whole job end to end, and the injected
# Heat timeout explained by the doctor.
env -u OS_CLOUD -u OS_AUTH_URL scripts/quickstart.sh | tee "$state/quickstart.log"
grep -q "why (MAGNUM-EXPLAIN-WAIT-CONDITION" "$state/quickstart.log"
grep -q "^done.$" "$state/quickstart.log"
# The magnum-sim binary: its export lines log the SDK in through its Keystone front.
cargo build -q -p magnum-drivers --bin magnum-sim
target/debug/magnum-sim --create-seconds 1 > "$state/sim.env" 2> "$state/sim.err" &
echo $! > "$state/sim.pid"
for _ in $(seq 50); do grep -q OS_PROJECT_DOMAIN_NAME "$state/sim.env" 2>/dev/null && break; sleep 0.1; done
(set -a; . "$state/sim.env"; env -u OS_CLOUD -u OS_CLIENT_CONFIG_FILE \
  cargo run -q -p magnum-examples --example cloud_login) | tee "$state/sim-login.log"
grep -q "^magnum     http://127.0.0.1:.*/v1$" "$state/sim-login.log"
kill "$(cat "$state/sim.pid")"; wait "$(cat "$state/sim.pid")" 2>/dev/null || true
echo "== doctor: a bad template (local pre-flight) and a failed cluster (simulator), text and --json"
rc=0; cargo run -q -p magnum-examples --example doctor -- template examples/doctor-template.json > "$state/doctor.txt" || rc=$?
cat "$state/doctor.txt"
test "$rc" -eq 1
grep -q "MAGNUM-PREFLIGHT-DEVICEMAPPER-SIZE" "$state/doctor.txt"
rc=0; env -u OS_CLOUD -u OS_AUTH_URL cargo run -q -p magnum-examples --example doctor -- cloud examples/doctor-template.json || rc=$?
test "$rc" -eq 1
# The template's resources asked of the simulator's Glance, Nova and Neutron.
printf '{"image_id": "no-os-distro", "coe": "kubernetes", "flavor_id": "m1.zero-disk", "keypair_id": "nope", "external_network_id": "private"}' > "$state/bad-resources.json"
rc=0; env -u OS_CLOUD -u OS_AUTH_URL cargo run -q -p magnum-examples --example doctor -- cloud "$state/bad-resources.json" --json \
  > "$state/doctor-resources.json" || rc=$?
test "$rc" -eq 1
python3 -c 'import json, sys
found = {f["code"] for f in json.load(open(sys.argv[1]))["findings"]}
want = {"MAGNUM-CLOUD-IMAGE-OS-DISTRO", "MAGNUM-CLOUD-FLAVOR-ROOT-DISK", "MAGNUM-CLOUD-KEYPAIR", "MAGNUM-CLOUD-EXTERNAL-NETWORK"}
assert want <= found, found' "$state/doctor-resources.json"
rc=0; env -u OS_CLOUD -u OS_AUTH_URL cargo run -q -p magnum-examples --example doctor -- cluster demo --json > "$state/doctor.json" || rc=$?
test "$rc" -eq 1
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["status"] == "CREATE_FAILED"; assert r["explanations"][0]["code"] == "MAGNUM-EXPLAIN-WAIT-CONDITION", r' "$state/doctor.json"
# Pain point 32: Kubernetes' load balancer + floating IP of a simulator cluster, dry run (rc 1,
# nothing deleted) then --delete (rc 0).
rc=0; env -u OS_CLOUD -u OS_AUTH_URL cargo run -q -p magnum-examples --example doctor -- orphans web --json > "$state/orphans.json" || rc=$?
test "$rc" -eq 1
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); p = r["plan"]; assert r["dry_run"] and r["deleted"] is None, r; assert len(p["load_balancers"]) == 1 and len(p["floating_ips"]) == 1, r' "$state/orphans.json"
env -u OS_CLOUD -u OS_AUTH_URL cargo run -q -p magnum-examples --example doctor -- orphans web --delete | tee "$state/orphans.txt"
grep -q "done: deleted 1 floating IP(s), then 1 load balancer(s)" "$state/orphans.txt"
echo "== python-magnumclient 5.0.0 and openstacksdk 4.22.0, unchanged, against magnum-sim"
scripts/sim-clients/run.sh | tee "$state/clients.log"
echo "== Magnum's own tempest suite (magnum-tempest-plugin 2.12.0, tempest 47.0.0, API + RBAC), unchanged, against magnum-sim"
scripts/tempest/run.sh | tee "$state/tempest.log"
cargo run -q -p magnum-examples --example cluster_ca -- "$state/cluster-ca"
# A third-party driver hosted by the conductor next to the simulated driver (magnum-drivers).
cargo run -q -p magnum-examples --example custom_driver | tee "$state/custom_driver.log"
grep -q "^deleted: 0 certificates left, 6 pool hosts free" "$state/custom_driver.log"
# The real magnum-api runs without a conductor, so only a TLS-disabled cluster's kubeconfig can be
# produced from it; the certificate path runs against a signing mock in tests/kubeconfig.rs.
mkdir -p "$state/kube"
MAGNUM_ENDPOINT="$MAGNUM_CONFORMANCE_URL/v1" cargo run -q -p magnum-examples --example kubeconfig -- k8s-plain --dir "$state/kube"
grep -q "server: https://172.24.4.6:6443" "$state/kube/config"
echo "== Python binding (built fresh with maturin; pytest against the same real servers)"
py_venv=${PY_VENV:-$repo/.cache/venv-py}
if ! "$py_venv/bin/python" -c 'import maturin, pytest, mypy, hypothesis, kubernetes' 2>/dev/null; then
  python3 -m venv "$py_venv"
  "$py_venv/bin/pip" install -q --disable-pip-version-check -r magnum-py/requirements-dev.txt
fi
VIRTUAL_ENV="$py_venv" "$py_venv/bin/maturin" develop -q -m magnum-py/Cargo.toml
(
  cd magnum-py
  "$py_venv/bin/python" gen_stubs.py --check
  "$py_venv/bin/python" -m mypy.stubtest magnum_sdk --mypy-config-file mypy.ini --allowlist stubtest-allowlist.txt
  "$py_venv/bin/python" check_doc_snippets.py
  MAGNUM_SIM_BIN="$repo/target/debug/magnum-sim" \
    "$py_venv/bin/python" -m pytest -q -p no:cacheprovider -W error::pytest.PytestUnraisableExceptionWarning tests
) | tee "$state/pytest.log"
echo "== the abi3 wheel (maturin build --release), installed in a fresh venv with no cargo/rustc on PATH"
"$py_venv/bin/maturin" build -q --release -m magnum-py/Cargo.toml -o "$state/wheels"
wheel=$(ls "$state"/wheels/magnum_sdk-*.whl)
case "$wheel" in *-cp39-abi3-*) ;; *) echo "not one abi3 wheel: $wheel" >&2; exit 1 ;; esac
echo "wheel: $(basename "$wheel") $(du -k "$wheel" | cut -f1) KiB"
# PATH without any directory holding cargo or rustc: the wheel must need neither.
no_rust_path=$(python3 -c 'import os; print(":".join(d for d in os.environ["PATH"].split(":") if d and not any(os.path.exists(os.path.join(d, t)) for t in ("cargo", "rustc"))))')
! PATH="$no_rust_path" command -v cargo >/dev/null
fresh="$state/fresh-venv"
python3 -m venv "$fresh"
PATH="$no_rust_path" "$fresh/bin/pip" install -q --disable-pip-version-check "$wheel" \
  -r scripts/sim-clients/requirements.txt -r examples/ansible/requirements.txt
awk '/^From Python:/{f=1} f&&/^```python/{p=1;next} p&&/^```/{exit} p' README.md > "$state/readme_example.py"
test -s "$state/readme_example.py"
(cd "$state" && PATH="$no_rust_path" OS_CLOUD=magnum-rs-test "$fresh/bin/python" readme_example.py | tee readme_example.out)
grep -q "k8s-ready CREATE_COMPLETE" "$state/readme_example.out"
echo "== from the wheel: magnum_sdk.testing, its pytest fixtures with openstacksdk + python-magnumclient, magnum-sim"
(cd "$state" && PATH="$fresh/bin:$no_rust_path" "$fresh/bin/python" -m pytest -q -p no:cacheprovider \
  "$repo/magnum-py/wheel_tests" "$repo/examples/ansible/tests") | tee "$state/wheel-tests.log"

echo "== the Ansible example (examples/ansible) through magnum_sdk"
# Ansible runs the module from a temporary directory: one self-contained clouds file.
cat > "$state/clouds-ansible.yaml" <<YAML
clouds:
  magnum-rs-test:
    auth:
      auth_url: $KEYSTONE_URL
      username: admin
      password: admin-secret
      user_domain_name: Default
      project_name: admin
      project_domain_name: Default
    region_name: RegionOne
YAML
OS_CLOUD=magnum-rs-test OS_CLIENT_CONFIG_FILE="$state/clouds-ansible.yaml" ANSIBLE_LIBRARY="$repo/examples/ansible/library" \
  ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
  "$fresh/bin/ansible-playbook" -i localhost, -e ansible_python_interpreter="$fresh/bin/python" examples/ansible/playbook.yml
echo "== examples/ansible/README.md's simulator commands, as written (venv = the fresh one)"
# The block verbatim, after one line that stops its background simulator whatever happens.
{ echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true'"'"' EXIT'
  awk '/^## Run against the simulator/{f=1} f&&/^```bash/{p=1;next} p&&/^```/{exit} p' examples/ansible/README.md
} > "$state/ansible-readme.sh"
grep -q "ansible-playbook" "$state/ansible-readme.sh"
rc=0
(export PATH="$no_rust_path"; . "$fresh/bin/activate" && cd "$repo" && bash -e "$state/ansible-readme.sh") > "$state/ansible-readme.log" 2>&1 || rc=$?
cat "$state/ansible-readme.log"
test "$rc" -eq 0
grep -q "failed=0" "$state/ansible-readme.log"
rm -f "$repo/sim.env"
echo "== examples/terraform-provider/README.md's simulator commands, as written"
if [ -n "$terraform_bin" ]; then
  { echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true'"'"' EXIT'
    awk '/^## Run against the simulator/{f=1} f&&/^```bash/{p=1;next} p&&/^```/{exit} p' examples/terraform-provider/README.md
  } > "$state/terraform-readme.sh"
  grep -q "terraform apply" "$state/terraform-readme.sh"
  rc=0
  (export PATH="$(dirname "$terraform_bin"):$PATH"; bash -e "$state/terraform-readme.sh") > "$state/terraform-readme.log" 2>&1 || rc=$?
  cat "$state/terraform-readme.log"
  test "$rc" -eq 0
  grep -q "Apply complete! Resources: 2 added" "$state/terraform-readme.log"
  grep -q "demo-.*-node-1 *Ready" "$state/terraform-readme.log"
  grep -q "No changes." "$state/terraform-readme.log"
  grep -q "Destroy complete! Resources: 2 destroyed." "$state/terraform-readme.log"
  "$terraform_bin" fmt -check -diff examples/terraform-provider/demo
  echo "terraform apply (template + 1 master / 2 workers, simulator): $(sed -n 's/^real[[:space:]]*//p' "$state/terraform-readme.log" | sed -n 1p)"
else
  echo "!!!!! terraform CLI not found: examples/terraform-provider/README.md NOT run !!!!!"
fi
echo "== ansible-doc and the modules' documentation against their argument specs"
for module in magnum_cluster magnum_cluster_template; do
  ANSIBLE_LIBRARY="$repo/examples/ansible/library" "$fresh/bin/ansible-doc" "$module" > "$state/doc-$module.txt"
  grep -q "EXAMPLES" "$state/doc-$module.txt"
done
"$fresh/bin/python" scripts/check_ansible_docs.py examples/ansible/library/*.py
rust_passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$state/test.log" | awk '{s+=$4} END {print s+0}')
py_passed=$(cat "$state/pytest.log" "$state/clients.log" "$state/wheel-tests.log" | grep -oE '^[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
# tempest's listed known failures (scripts/tempest/known-failures.txt) are checked by its script.
tempest_passed=$(sed -n 's/^tempest: \([0-9]*\) passed.*/\1/p' "$state/tempest.log")
echo "== all green"
grep '^tempest: ' "$state/tempest.log"
echo "tests: $((rust_passed + py_passed + tempest_passed)) passed, 0 failed"
