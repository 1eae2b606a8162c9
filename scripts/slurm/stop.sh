#!/usr/bin/env bash
# Stops and removes a cluster started by scripts/slurm/start.sh.
# Usage: scripts/slurm/stop.sh [DIR]   (default: $ROTGUARD_SLURM_DIR)
set -uo pipefail
D=${1:-${ROTGUARD_SLURM_DIR:-}}
case "$D" in /tmp/rotguard-slurm.*) ;; *) echo "!! not a rotguard Slurm folder: '$D'" >&2; exit 1 ;; esac
[ -d "$D" ] || exit 0
stop_pid() {  # $1: pid file
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
stop_pid "$D/slurmd.pid"
stop_pid "$D/slurmctld.pid"
stop_pid "$D/munge/munged.pid"
rm -rf "$D"
echo "== Slurm cluster in $D stopped" >&2
