#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option DLN_SANITIZE)
# into .asan/build/Debug and runs the jest suite against it. Node itself is not instrumented, so
# the ASan runtime is preloaded; node-gyp-build is pointed at the sanitized build through
# DLNFLOW_PREBUILD (it looks for <dir>/build/{Release,Debug}). Any ASan report or UBSan finding
# aborts the process (-fno-sanitize-recover), which fails the test that triggered it.
# Leak detection is off: Node's own allocations at exit would drown real reports.
# The core's native unit tests (test/native/) run first under the same sanitizers, in their own
# build (build-native-asan/, leak detection on); DLN_NATIVE_SUMMARY names a file for their count.
set -euo pipefail
cd "$(dirname "$0")/../.."

native_status=0
node scripts/test-native.js --sanitize ${DLN_NATIVE_SUMMARY:+--summary "$DLN_NATIVE_SUMMARY"} || native_status=$?

npx cmake-js compile --out .asan/build --debug --CDDLN_SANITIZE=ON --log-level warn
asan_runtime=$(gcc -print-file-name=libasan.so)
[ -f "$asan_runtime" ] || { echo "sanitizers: libasan.so not found (install gcc)"; exit 1; }

export LD_PRELOAD="$asan_runtime"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export DLNFLOW_PREBUILD="$PWD/.asan"
# An unoptimized ASan build runs several times slower: timing bounds (test/cancel.test.ts) scale.
export DLN_TIMING_SCALE=${DLN_TIMING_SCALE:-5}
jest_status=0
# One jest worker: the sanitized addon is ~5x slower and its timing tests scale their bounds by
# DLN_TIMING_SCALE, but two workers each running native threads on a 2-core machine starved one
# test's main thread for over 500 ms once (an abort measured at 1-27 ms alone under ASan).
npx jest --maxWorkers=1 "$@" || jest_status=$?
[ "$native_status" -eq 0 ] && [ "$jest_status" -eq 0 ]
