#!/usr/bin/env bash
# Stress part "memory" (run by scripts/ci/stress.sh): the memory limit holds under a real kernel
# limit. Each case is a command that exits 0 when it saw the expected outcome. Cases that need a memory limit run in a
# throwaway cgroup (3 GiB, no swap) made by this script -- cgroup v2 under this process's own
# group, else systemd-run, else cgroup v1 -- and count as failed if the kernel kills them; where the
# kernel refuses every way to make one, they are skipped with the reason printed.
#
# Usage: scripts/ci/stress/memory.sh [--summary FILE] [CASE ...]   (FILE gets {"passed", "failed", "skipped"})
# Adding a case: one line in the list at the bottom.
set -uo pipefail
cd "$(dirname "$0")/../../.."

summary=""
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --summary) summary="$2"; shift 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

node scripts/ensure-built.js >/dev/null || { echo "stress: build failed"; exit 2; }

passed=0; failed=0; skipped=0
LIMIT_BYTES=$((3 * 1024 * 1024 * 1024))
CASE_TIMEOUT=${STRESS_TIMEOUT:-600}

wanted() {
  [ ${#only[@]} -eq 0 ] && return 0
  local c; for c in "${only[@]}"; do [ "$c" = "$1" ] && return 0; done
  return 1
}

record() {  # name status detail
  case "$2" in
    pass) passed=$((passed + 1)); echo "stress: PASS $1 $3" ;;
    skip) skipped=$((skipped + 1)); echo "stress: SKIP $1 ($3)" ;;
    *) failed=$((failed + 1)); echo "stress: FAIL $1 $3" ;;
  esac
}

# Runs "$@" in a fresh cgroup limited to LIMIT_BYTES. Sets cg_status to the command's exit
# status, or to "refused" with cg_reason when no cgroup could be made.
run_limited() {
  cg_status=""; cg_reason=""
  local dir own
  # cgroup v2: a child of this process's own group, if the memory controller is delegated to it.
  own=$(awk -F: '$1 == "0" && $2 == "" { print $3 }' /proc/self/cgroup 2>/dev/null)
  if [ -n "$own" ] && [ -f "/sys/fs/cgroup${own%/}/cgroup.controllers" ]; then
    dir="/sys/fs/cgroup${own%/}/dlnflow-stress-$$"
    if grep -qw memory "/sys/fs/cgroup${own%/}/cgroup.subtree_control" 2>/dev/null && mkdir "$dir" 2>/dev/null; then
      if echo "$LIMIT_BYTES" > "$dir/memory.max" 2>/dev/null; then
        echo 0 > "$dir/memory.swap.max" 2>/dev/null || true
        echo "stress: cgroup v2 $dir, memory.max = $LIMIT_BYTES"
        timeout "$CASE_TIMEOUT" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$dir" "$@"
        cg_status=$?
        rmdir "$dir" 2>/dev/null || true
        return
      fi
      rmdir "$dir" 2>/dev/null || true
    fi
  fi
  # systemd: a transient scope with MemoryMax.
  if command -v systemd-run >/dev/null 2>&1 && systemd-run --quiet --scope -p MemoryMax="$LIMIT_BYTES" -p MemorySwapMax=0 true >/dev/null 2>&1; then
    echo "stress: systemd scope, MemoryMax = $LIMIT_BYTES"
    timeout "$CASE_TIMEOUT" systemd-run --quiet --scope -p MemoryMax="$LIMIT_BYTES" -p MemorySwapMax=0 "$@"
    cg_status=$?
    return
  fi
  # cgroup v1: a child of this process's memory group.
  own=$(awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "memory") print $3 }' /proc/self/cgroup 2>/dev/null)
  if [ -n "$own" ] && [ -d "/sys/fs/cgroup/memory${own%/}" ]; then
    dir="/sys/fs/cgroup/memory${own%/}/dlnflow-stress-$$"
    if mkdir "$dir" 2>/dev/null; then
      if echo "$LIMIT_BYTES" > "$dir/memory.limit_in_bytes" 2>/dev/null; then
        echo "$LIMIT_BYTES" > "$dir/memory.memsw.limit_in_bytes" 2>/dev/null || true
        echo "stress: cgroup v1 $dir, memory.limit_in_bytes = $LIMIT_BYTES"
        timeout "$CASE_TIMEOUT" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$dir" "$@"
        cg_status=$?
        rmdir "$dir" 2>/dev/null || true
        return
      fi
      rmdir "$dir" 2>/dev/null || true
    fi
  fi
  cg_status="refused"
  cg_reason="no way to make a memory-limited cgroup here (cgroup v2 memory not delegated, no systemd scope, no writable cgroup v1 memory hierarchy)"
}

# A case that must end with its expected outcome inside the 3 GiB cgroup, never killed.
case_in_cgroup() {
  local name="$1"; shift
  wanted "$name" || return 0
  local started=$SECONDS
  run_limited "$@"
  local took=$((SECONDS - started))
  case "$cg_status" in
    refused) record "$name" skip "$cg_reason" ;;
    0) record "$name" pass "(${took} s)" ;;
    137) record "$name" fail "killed by SIGKILL after ${took} s (out of memory)" ;;
    124) record "$name" fail "timed out after ${CASE_TIMEOUT} s" ;;
    *) record "$name" fail "exit status $cg_status after ${took} s" ;;
  esac
}

# The cases.
case_in_cgroup gd-trace node scripts/ci/stress/memory.js gd-trace
case_in_cgroup flow-trace node scripts/ci/stress/memory.js flow-trace
case_in_cgroup dense-hessian node scripts/ci/stress/memory.js dense-hessian
case_in_cgroup init-weights node scripts/ci/stress/memory.js init-weights

echo "stress: $passed passed, $failed failed, $skipped skipped"
if [ -n "$summary" ]; then
  printf '{"passed":%d,"failed":%d,"skipped":%d}\n' "$passed" "$failed" "$skipped" > "$summary"
fi
[ "$failed" -eq 0 ]
