#!/usr/bin/env bash
# scripts/slurm/dlnflow-array.sbatch under a real Slurm. Installs Debian's slurm-wlm and munge if
# missing, starts a throwaway single-node cluster (munged, slurmctld, slurmd; config, state and logs
# in a temp dir, nothing in /etc/slurm), submits from the repo root
#   sbatch --wait --array=0-3 scripts/slurm/dlnflow-array.sbatch marion-chizat-depth OUT --quick
# then checks that every task completed with exit code 0, that `dlnflow merge OUT` finds every run,
# and that the merged results.jsonl, aggregate.csv, summary.json, runs.csv, runs.parquet and report.html are
# byte-identical to an unsharded `dlnflow run marion-chizat-depth --quick`. Always stops the
# daemons it started. Last line: "slurm: ok" (exit 0), or "slurm: FAILED: ..." (non-zero).
# Usage: scripts/ci/slurm-test.sh   (as root: it installs packages and runs slurmd)
#   DLNFLOW_SLURM_PORTS="16817 16818"   slurmctld and slurmd ports (default; away from a real 6817/6818)
#   DLNFLOW_SLURM_TIMEOUT=600           seconds to wait for the array job
#   DLNFLOW_SLURM_KEEP=1                keep the temp dir (config, logs, results) for a look
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/sbin:/sbin

preset=marion-chizat-depth
tasks=4
sbatch_script=scripts/slurm/dlnflow-array.sbatch
read -r ctld_port d_port <<<"${DLNFLOW_SLURM_PORTS:-16817 16818}"

step() { printf '\nslurm: %s\n' "$*"; }
fail() { printf 'slurm: FAILED: %s\n' "$*" >&2; exit 1; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get install, munged as user munge, slurmd as root)"
[ -f "$sbatch_script" ] || fail "no $sbatch_script"

work=$(mktemp -d "${TMPDIR:-/tmp}/dlnflow-slurm.XXXXXX")
pids=()       # slurmctld and slurmd, started here: stopped by PID on exit
munged_pid="" # set only if this script started munged
sbatch_pid=""
ok=0
dump_logs() {
  for f in "$work"/*.log "$work"/job-*.out; do
    [ -f "$f" ] || continue
    printf '\n--- %s (last 30 lines)\n' "${f#"$work"/}" >&2
    tail -n 30 "$f" >&2
  done
  if [ -n "$munged_pid" ]; then
    printf '\n--- /var/log/munge/munged.log (last 10 lines)\n' >&2
    tail -n 10 /var/log/munge/munged.log >&2 || true
  fi
}
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] || [ "$ok" -ne 1 ]; then dump_logs; fi
  [ -z "$sbatch_pid" ] || kill "$sbatch_pid" 2>/dev/null || true
  # jobs still running (an interrupted or failed test): cancel them while slurmd can still reap them
  if [ "${#pids[@]}" -gt 0 ] && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
    scancel --full --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for pid in "${pids[@]}" $munged_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}" $munged_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "${DLNFLOW_SLURM_KEEP:-}" = 1 ]; then echo "slurm: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. packages ---------------------------------------------------------------------------------
t_install=$(now)
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null ||
   ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  step "installing slurm-wlm and munge (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -qq --no-install-recommends slurm-wlm munge >>"$work/apt.log" 2>&1; }
  # missing or stale package lists: update them and try once more
  apt_install || { apt-get update -qq >>"$work/apt.log" 2>&1 && apt_install; } ||
    fail "apt-get install slurm-wlm munge"
fi
step "install: $(since "$t_install") ($(slurmctld -V), munge $(dpkg-query -W -f='${Version}' munge))"

# --- 2. a single-node cluster ----------------------------------------------------------------------
t_test=$(now)
for port in "$ctld_port" "$d_port"; do
  [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] || fail "port $port is in use (set DLNFLOW_SLURM_PORTS)"
done

# munge: reuse a running munged (it holds the key), else start one as user munge. Debian's postinst
# creates /etc/munge/munge.key; make one if it is missing.
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  step "munged: already running, reused"
else
  if [ ! -s /etc/munge/munge.key ]; then
    step "munge: creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  rm -f /run/munge/munged.pid
  runuser -u munge -- munged || fail "munged did not start"
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  munged_pid=$(cat /run/munge/munged.pid 2>/dev/null) || fail "munged wrote no pid file"
  munge -n </dev/null | unmunge >/dev/null || fail "munge -n | unmunge"
  step "munged: started (pid $munged_pid)"
fi

host=$(hostname -s)
# The node claims as many CPUs as all the array tasks ask for together (the sbatch script's
# --cpus-per-task), whatever nproc says, so that the tasks run at once as on a cluster and the
# shards start together in one results dir. SlurmdParameters=config_overrides keeps slurmd from
# draining a node that has fewer CPUs than configured.
per_task=$(sed -n 's/^#SBATCH[[:space:]]\{1,\}--cpus-per-task=\([0-9]\{1,\}\).*/\1/p' "$sbatch_script" | head -n 1)
cpus=$((${per_task:-1} * tasks))
mkdir -p "$work/state" "$work/spool"
export SLURM_CONF=$work/slurm.conf # read by the daemons, sbatch, sinfo, scontrol (and passed to jobs)
cat >"$SLURM_CONF" <<EOF
# One node, no cgroups (proctrack/linuxproc, task/none: no cgroup.conf needed), no accounting.
ClusterName=dlnflowci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
# Default, on purpose: sbatch --wait sleeps 2, then 8, then 32 s between polls (growing while the
# sleep is under MinJobAge/2), so it returns 10 or 42 s after submission here. A small MinJobAge
# polls faster, but purges a task that failed early before the array ends, and then sbatch --wait
# exits 0 (seen with MinJobAge=5).
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

step "starting slurmctld and slurmd ($host: $cpus CPUs configured, $(nproc) real; ports $ctld_port/$d_port)"
slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.stdout.log" 2>&1 &
pids+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" >"$work/slurmd.stdout.log" 2>&1 &
pids+=($!)

state=""
for _ in $(seq 120); do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a slurm daemon exited (pid $pid)"; done
  state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { sinfo -N -l >&2 || true; fail "node $host not idle after 60 s (state: ${state:-none})"; }
step "node $host idle after $(since "$t_test")"

# --- 3. the array job ------------------------------------------------------------------------------
out=$work/out
ref=$work/ref
step "sbatch --wait --array=0-$((tasks - 1)) $sbatch_script $preset $out --quick"
t_job=$(now)
# From the repo root, as a user would: the job runs in the submit dir, where `npx --no-install
# dlnflow` finds the package's own bin. --output overrides the script's
# #SBATCH --output=dlnflow-%A_%a.out, which would land in the repo root.
sbatch_rc=0
# in the background, so that a TERM to this script is handled at once, not after sbatch returns
timeout "${DLNFLOW_SLURM_TIMEOUT:-600}" sbatch --wait --array=0-$((tasks - 1)) \
  --output="$work/job-%A_%a.out" "$sbatch_script" "$preset" "$out" --quick \
  >"$work/sbatch.log" 2>&1 &
sbatch_pid=$!
wait "$sbatch_pid" || sbatch_rc=$?
sbatch_pid=""
cat "$work/sbatch.log"
[ "$sbatch_rc" -ne 124 ] || { squeue >&2 || true; fail "the array job did not end within ${DLNFLOW_SLURM_TIMEOUT:-600} s"; }
[ "$sbatch_rc" -eq 0 ] || fail "sbatch --wait exited $sbatch_rc (an array task failed)"
job_time=$(since "$t_job")
step "array job done: sbatch --wait returned after $job_time"

# sbatch's exit code, checked task by task: every task COMPLETED with exit code 0.
jobid=$(sed -n 's/^Submitted batch job \([0-9]\{1,\}\).*/\1/p' "$work/sbatch.log")
[ -n "$jobid" ] || fail "no job id in sbatch's output"
scontrol -o show job "$jobid" >"$work/scontrol.txt" || fail "scontrol show job $jobid"
completed=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' "$work/scontrol.txt" || true)
if [ "$completed" -ne "$tasks" ]; then
  grep -o 'ArrayTaskId=[^ ]*\|JobState=[^ ]*\|ExitCode=[^ ]*' "$work/scontrol.txt" | paste - - - >&2 || true
  fail "$completed of $tasks array tasks COMPLETED with exit code 0"
fi
for f in "$work"/job-*.out; do
  printf '%s: %s\n' "${f##*/}" "$(grep -v '^$' "$f" | tail -n 1)"
done
for ((i = 0; i < tasks; i++)); do
  [ -s "$out/runs/shard-$i-of-$tasks.jsonl" ] || fail "no $out/runs/shard-$i-of-$tasks.jsonl"
done
extra=$(find "$out/runs" -type f ! -name "shard-*-of-$tasks.jsonl" -printf '%f ')
[ -z "$extra" ] || fail "unexpected files in $out/runs: $extra"
[ ! -e "$out/report.html" ] || fail "a shard built the report despite --no-report"

# --- 4. merge, and compare with an unsharded run ---------------------------------------------------
step "dlnflow merge"
merge_rc=0
node bin/dlnflow.js merge "$out" --json >"$work/merge.json" 2>"$work/merge.log" || merge_rc=$?
if [ "$merge_rc" -ne 0 ]; then
  cat "$work/merge.log" >&2
  head -c 2000 "$work/merge.json" >&2
  fail "merge exited $merge_rc"
fi
# shellcheck disable=SC2016 # JavaScript template literals
node -e '
const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`merge: ${m.present}/${m.planned} runs, missing ${m.missing.length}, conflicts ${m.conflicts.length}`);
const complete = m.planned > 0 && m.present === m.planned && !m.missing.length &&
  !m.owingShards.length && !m.conflicts.length;
process.exit(complete ? 0 : 1);
' "$work/merge.json" || fail "merge is incomplete"

step "unsharded reference run"
node bin/dlnflow.js run "$preset" --quick --out "$ref" >"$work/ref.log" 2>&1 ||
  { cat "$work/ref.log" >&2; fail "reference run"; }
for f in results.jsonl aggregate.csv summary.json runs.csv runs.parquet report.html; do
  [ -s "$ref/$f" ] || fail "the reference run wrote no $f"
  cmp "$out/$f" "$ref/$f" || fail "$f differs from the unsharded run's"
  echo "identical: $f ($(wc -c <"$ref/$f") bytes)"
done

step "test: $(since "$t_test") (of which sbatch --wait: $job_time)"
ok=1
echo "slurm: ok"
