#!/usr/bin/env bash
# The slow stress cases, kept out of `npm test` (npm run test:stress; .ci/run runs it too).
# Each part is a script in scripts/ci/stress/ (one per area: native process robustness, the
# results store, memory limits, ...) whose last line is "stress: N passed, N failed, N skipped";
# a case that needs what the kernel refuses (a tmpfs mount, a cgroup) is skipped with its reason.
#
# Usage: scripts/ci/stress.sh [--summary FILE] [PART ...]   (PART: a file name in scripts/ci/stress/
# without .sh; FILE gets {"passed", "failed", "skipped"} summed over the parts)
set -uo pipefail
cd "$(dirname "$0")/../.."

summary=""
parts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --summary) summary="$2"; shift 2 ;;
    *) parts+=("$1"); shift ;;
  esac
done
if [ ${#parts[@]} -eq 0 ]; then
  for f in scripts/ci/stress/*.sh; do parts+=("$(basename "$f" .sh)"); done
fi

passed=0; failed=0; skipped=0
for part in "${parts[@]}"; do
  script="scripts/ci/stress/$part.sh"
  if [ ! -f "$script" ]; then echo "stress: no part $part"; failed=$((failed + 1)); continue; fi
  echo "stress: === $part ==="
  log=$(mktemp)
  bash "$script" 2>&1 | tee "$log"
  last=$(grep -E '^stress: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -1)
  rm -f "$log"
  if [ -z "$last" ]; then echo "stress: $part printed no summary"; failed=$((failed + 1)); continue; fi
  read -r p f s < <(echo "$last" | sed -E 's/^stress: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo "stress: $passed passed, $failed failed, $skipped skipped"
if [ -n "$summary" ]; then
  printf '{"passed":%d,"failed":%d,"skipped":%d}\n' "$passed" "$failed" "$skipped" > "$summary"
fi
[ "$failed" -eq 0 ]
