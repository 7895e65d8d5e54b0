#!/usr/bin/env bash
# README's first command: the quickstart example (examples/quickstart.rs). With no cloud
# configured it runs on the embedded Magnum simulator (127.0.0.1, stopped when it ends); with
# OS_CLOUD (clouds.yaml) or OS_AUTH_URL + credentials set it runs against that cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q -p magnum-examples --example quickstart
