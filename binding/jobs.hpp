// Long work off the event loop. A Job runs on one of the addon's own worker threads (not the
// libuv pool, which would starve fs and dns), reports progress through a thread-safe function
// (coalesced: JS sees the latest value, never a backlog), polls a cancel flag the JS side sets,
// and settles a Promise on the main thread.
//
// JS receives { promise, cancel } from StartJob.
//
// Teardown. An environment's cleanup hook (addon.cpp) calls Shutdown: every job is cancelled and
// every worker joined before the environment's thread-safe functions are finalized. Independently,
// a job's channel stops calling its thread-safe function for good once that function is closing
// or finalized (napi_closing, or its finalizer ran), so no order of teardown lets a worker call a
// freed one. At process exit the handler in process.hpp cancels every job and parks the workers.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "control.hpp"
#include "errors.hpp"

namespace binding {

class Job {
 public:
  virtual ~Job() = default;
  // Worker thread. Exceptions are captured and become the promise's rejection.
  virtual void Execute(dln::RunControl& control) = 0;
  // Main thread, after Execute returned normally.
  virtual Napi::Value Result(Napi::Env env) = 0;
  // Main thread: the progress object handed to the JS callback.
  virtual Napi::Value ProgressValue(Napi::Env env, const dln::Progress& p);

  std::atomic<bool> cancel{false};
  // Plumbing owned by jobs.cpp: the worker's captured failure and the main-thread channel.
  CapturedError error;
  std::shared_ptr<struct JobChannel> channel;
};

class JobRunner {
 public:
  explicit JobRunner(std::size_t threads);
  ~JobRunner();
  void Submit(std::shared_ptr<Job> job);
  // At most this many jobs run at once (workers above it retire when they finish their job).
  void SetThreads(std::size_t threads);
  std::size_t Threads();
  // Cancels everything queued or running and joins the workers (env teardown). Idempotent.
  void Shutdown();
  // Cancels everything queued or running (process exit; the caller waits in process.cpp).
  void CancelAll();

 private:
  void Work();
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::shared_ptr<Job>> running_;
  std::vector<std::thread> workers_;  // joined at Shutdown (retired ones have already returned)
  std::size_t threads_;
  std::size_t alive_ = 0;  // workers still looping
  bool stopping_ = false;
};

// Queues `job` and returns { promise, cancel }. `onProgress` may be undefined or a function.
Napi::Value StartJob(Napi::Env env, std::shared_ptr<Job> job, Napi::Value onProgress);

// The addon's runner (instance data), created on first use with DLNFLOW_THREADS workers (default:
// one per core, within process::MaxWorkerThreads). Throws ERR_DLN_VALUE naming DLNFLOW_THREADS if
// it is set to anything but a positive integer within that limit.
JobRunner& Runner(Napi::Env env);

}  // namespace binding
