#!/usr/bin/env bash
# Starts a throwaway one-node Slurm cluster for rotguard's compute tests (and for trying
# `rotguard build --executor slurm` on a laptop): its own munged, slurmctld and slurmd, run
# as root, with a generated slurm.conf in a temporary folder, ports on 127.0.0.1, and two
# GPUs declared as a GRES backed by placeholder character devices (mknod; Slurm refuses
# regular files), so `--gres=gpu:1` jobs are scheduled, accounted and get
# CUDA_VISIBLE_DEVICES without a GPU. Needs Debian's slurm-wlm and munge (Slurm 22.05).
#
# Usage: eval "$(scripts/slurm/start.sh)"      # prints the exports to use the cluster
#        scripts/slurm/stop.sh "$ROTGUARD_SLURM_DIR"
# Prints on stdout: export SLURM_CONF=… ROTGUARD_SLURM_DIR=… ROTGUARD_TEST_SLURM_CONF=…
# Everything else (progress, logs on failure) goes to stderr.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then echo "!! $0 must run as root (slurmd starts jobs as their user)" >&2; exit 1; fi
for b in munged slurmctld slurmd sinfo; do
  command -v "$b" >/dev/null || { echo "!! $b not found: apt-get install slurm-wlm munge" >&2; exit 1; }
done

D=$(mktemp -d /tmp/rotguard-slurm.XXXXXX)
chmod 755 "$D"
mkdir -p "$D/state" "$D/spool" "$D/dev" "$D/munge"
chmod 700 "$D/munge"

# A free TCP port on 127.0.0.1 from $1 up.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
CTLD_PORT=$(free_port 56817)
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))

# Our own munge daemon and key, on a socket in the folder: nothing system-wide is touched.
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$D/munge/munge.key"
munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" \
  --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" \
  || { cat "$D/munge/munged.log" >&2 || true; exit 1; }

# Two placeholder GPUs: character devices with NVIDIA's major number, never opened.
mknod "$D/dev/nvidia0" c 195 0
mknod "$D/dev/nvidia1" c 195 1

CPUS=$(nproc)
MEM=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.5 }' /proc/meminfo)
NODE=rotguard-node

cat >"$D/slurm.conf" <<CONF
ClusterName=rotguard
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SchedulerType=sched/backfill
ReturnToService=2
# Real elapsed time and allocated TRES of every finished job, kept after scontrol forgets it.
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.log
# No slurmdbd: GPUs cannot be an accounting TRES (slurmctld refuses gres/gpu without it);
# rotguard reads a job's GPUs from scontrol's TresPerNode instead.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
# A job in the preemptible lane yields to a job in the main partition.
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
NodeName=$NODE NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM Gres=gpu:2 State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP PriorityTier=10 OverSubscribe=NO
PartitionName=preemptible Nodes=$NODE MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=CANCEL
CONF
cat >"$D/gres.conf" <<CONF
NodeName=$NODE Name=gpu File=$D/dev/nvidia[0-1]
CONF

export SLURM_CONF="$D/slurm.conf"
slurmctld -f "$SLURM_CONF" -i || { cat "$D/slurmctld.log" >&2; exit 1; }
slurmd -f "$SLURM_CONF" -N "$NODE" || { cat "$D/slurmd.log" >&2; exit 1; }

# Up when the node is idle (a few seconds). sinfo retries for long when slurmctld is down: cap it.
node_idle() { timeout 3 sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; }
for _ in $(seq 1 40); do
  if node_idle; then break; fi
  kill -0 "$(cat "$D/slurmctld.pid" 2>/dev/null)" 2>/dev/null || break
  sleep 0.5
done
if ! node_idle; then
  echo "!! the Slurm node did not come up; logs:" >&2
  tail -n 30 "$D/slurmctld.log" "$D/slurmd.log" >&2 || true
  "$(dirname "$0")/stop.sh" "$D" >&2 || true
  exit 1
fi
echo "== Slurm $(sinfo -V | awk '{print $2}') one-node cluster up: $CPUS CPUs, 2 GPUs (GRES), partitions main + preemptible, slurmctld 127.0.0.1:$CTLD_PORT ($D)" >&2
echo "export SLURM_CONF=$D/slurm.conf ROTGUARD_SLURM_DIR=$D ROTGUARD_TEST_SLURM_CONF=$D/slurm.conf"
