// Process-wide state of the addon: the only mutable statics, because what they describe is
// process-wide too. Everything per environment (main thread or worker_thread) lives in AddonData.
//
// 1. The linked OpenBLAS keeps one pool of work buffers for every thread inside it at once:
//    NUM_BUFFERS = 2 x MAX_THREADS (compiled in; 128 for Debian's MAX_THREADS=64). Each thread
//    inside a level-3 (or large level-2) call holds one, and so does each of OpenBLAS's own pool
//    threads (it grows to the largest BLAS thread count ever set and never shrinks). Past the
//    pool, OpenBLAS 0.3.x prints "too many memory regions" and corrupts memory (measured: 160
//    runs at once of the Jacot deep network, SIGSEGV). So the threads that may call BLAS at once
//    -- one JS thread per environment (synchronous evaluate/gradient/problem construction) plus
//    the jobs running -- are kept within NUM_BUFFERS - (pool threads - 1):
//      - setWorkerThreads above that room is an ERR_DLN_VALUE naming the limit (MaxWorkerThreads);
//      - a job starts only when the process-wide count of running jobs is below the room (several
//        environments share it: their jobs wait for a slot, cancellably).
// 2. exit() runs library destructors (OpenBLAS's frees its buffers and thread pool) under the
//    threads still running. An atexit handler, registered after OpenBLAS was loaded and so run
//    before its destructor, cancels every job in every environment and waits until none is
//    inside Execute; worker threads then park instead of touching anything again.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace binding {

class JobRunner;

namespace process {

// Init of each environment / its teardown. The first attach sets OpenBLAS to one thread (runs are
// parallel across cores instead) and installs the exit handler.
void AttachEnvironment();
void DetachEnvironment();

// The most worker threads one environment may be given now (at least 1, at most 4096).
std::size_t MaxWorkerThreads();
// The most threads setBlasThreads accepts (OpenBLAS: its MAX_THREADS).
int MaxBlasThreads();
// Validates `threads` against MaxBlasThreads and against the room the calling environment's
// `workers` need, then sets it. Throws dln::Error (ERR_DLN_VALUE) naming `field`.
void SetBlasThreads(int threads, std::size_t workers, const std::string& field);
// Throws ERR_DLN_VALUE naming `field` if one environment may not have `workers` worker threads.
void CheckWorkerThreads(std::size_t workers, const std::string& field);

// The gate around Job::Execute. BeginJob waits for a slot (polling `cancel`); it returns false if
// the job must not run: it was cancelled while waiting, or the process is exiting.
bool BeginJob(const std::atomic<bool>& cancel);
// Returns true if the process is exiting: the caller must then call Park() and touch nothing.
bool EndJob();
bool Exiting();
[[noreturn]] void Park();

// Runners register so that the exit handler can cancel their jobs.
void AddRunner(JobRunner* runner);
void RemoveRunner(JobRunner* runner);

}  // namespace process
}  // namespace binding
