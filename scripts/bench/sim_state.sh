#!/usr/bin/env bash
# magnum-sim's state-file and listing costs as the number of clusters grows, for this tree and
# for an older commit (default: eade228, before row-level state writes and kept sorted
# listings), built in release in the same run, with the ratios printed. Usage:
#   scripts/bench/sim_state.sh [N clusters, default 2000] [base commit]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-2000}
base=${2:-eade228}
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/base" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build -q --release --manifest-path "$repo/Cargo.toml" -p magnum-drivers --bin magnum-sim
cargo build -q --release --manifest-path "$repo/Cargo.toml" -p magnum-examples --example sim_state_bench
git -C "$repo" worktree add -q --detach "$work/base" "$base"
CARGO_TARGET_DIR="$work/target" cargo build -q --release --manifest-path "$work/base/Cargo.toml" -p magnum-drivers --bin magnum-sim
bench="$repo/target/release/examples/sim_state_bench"
"$bench" "$work/target/release/magnum-sim" "$n" > "$work/base.json"
"$bench" "$repo/target/release/magnum-sim" "$n" > "$work/head.json"
python3 - "$work/base.json" "$work/head.json" "$base" <<'PY'
import json, sys
base, head = (json.load(open(p)) for p in sys.argv[1:3])
print(f"clusters: {head['clusters']}   (base = {sys.argv[3]}, head = this tree)")
print(f"{'measure':32} {'base':>12} {'head':>12} {'base/head':>10}")
for key in ("create_ms_at_20", "create_ms_at_n", "get_p99_ms_idle", "get_p99_ms_while_writing",
            "paging_by_name_s", "first_page_ms", "later_page_median_ms"):
    b, h = base[key], head[key]
    print(f"{key:32} {b:12.3f} {h:12.3f} {b / h if h else float('inf'):10.1f}")
print(f"head: create at N / at 20 = {head['create_ms_at_n'] / head['create_ms_at_20']:.2f}x (target <= 2x); "
      f"GET p99 writing / idle = {head['get_p99_ms_while_writing'] / head['get_p99_ms_idle']:.2f}x (target <= 5x)")
PY
