#!/usr/bin/env bash
# Stop the Heat started by up.sh: SIGTERM to its pid (the engine waits for stack threads), SIGKILL
# after 30 s. Usage: down.sh STATE_DIR
set -u
state=${1:?usage: down.sh STATE_DIR}
[ -f "$state/pid" ] || exit 0
pid=$(cat "$state/pid")
kill "$pid" 2>/dev/null || { rm -f "$state/pid"; exit 0; }
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || { rm -f "$state/pid"; exit 0; }; sleep 0.1; done
kill -9 "$pid" 2>/dev/null
rm -f "$state/pid"
