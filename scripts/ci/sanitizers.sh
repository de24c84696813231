#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option DLN_SANITIZE)
# into .asan/build/Debug and runs the jest suite against it. Node itself is not instrumented, so
# the ASan runtime is preloaded; node-gyp-build is pointed at the sanitized build through
# DLNFLOW_PREBUILD (it looks for <dir>/build/{Release,Debug}). Any ASan report or UBSan finding
# aborts the process (-fno-sanitize-recover), which fails the test that triggered it.
# Leak detection is off: Node's own allocations at exit would drown real reports.
set -euo pipefail
cd "$(dirname "$0")/../.."

npx cmake-js compile --out .asan/build --debug --CDDLN_SANITIZE=ON --log-level warn
asan_runtime=$(gcc -print-file-name=libasan.so)
[ -f "$asan_runtime" ] || { echo "sanitizers: libasan.so not found (install gcc)"; exit 1; }

export LD_PRELOAD="$asan_runtime"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export DLNFLOW_PREBUILD="$PWD/.asan"
npx jest "$@"
