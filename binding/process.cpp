#include "process.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

#include "blas.hpp"
#include "error.hpp"
#include "jobs.hpp"

namespace binding::process {

namespace {

constexpr std::size_t kMaxWorkers = 4096;  // the cap when the BLAS sets none
constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);

struct BlasFacts {
  std::size_t buffers = kUnlimited;  // threads that may be inside the BLAS at once
  int maxThreads = 1024;             // the most threads setBlasThreads may ask for
  std::string name;                  // for messages: "the linked OpenBLAS (MAX_THREADS=64)"
};

BlasFacts QueryBlas() {
  BlasFacts f;
#if defined(DLN_BLAS_OPENBLAS)
  // openblas_get_config() reads e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen
  // MAX_THREADS=64"; its buffer pool (memory.c) holds NUM_BUFFERS = max(50, 2 MAX_THREADS). We count
  // 2 MAX_THREADS only: the floor of 50 and the overflow array of newer versions are not safe to
  // rely on (the overflow path is the one that crashes). A build whose string does not name it is
  // assumed small (MAX_THREADS = 16).
  const char* config = openblas_get_config();
  const char* at = config ? std::strstr(config, "MAX_THREADS=") : nullptr;
  const long parsed = at ? std::strtol(at + std::strlen("MAX_THREADS="), nullptr, 10) : 0;
  f.maxThreads = parsed >= 1 && parsed <= 1 << 16 ? static_cast<int>(parsed) : 16;
  f.buffers = 2 * static_cast<std::size_t>(f.maxThreads);
  f.name = "the linked OpenBLAS (MAX_THREADS=" + std::to_string(f.maxThreads) + ")";
#endif
  return f;
}

struct State {
  std::mutex mutex;
  std::condition_variable changed;  // a slot freed, the process began exiting, nothing runs
  BlasFacts blas;
  std::size_t environments = 0;  // JS threads with the addon loaded: each may call BLAS synchronously
  std::size_t poolThreads = 1;   // OpenBLAS's thread pool: the largest count it was ever given
  std::size_t running = 0;       // jobs inside Execute, in every environment
  std::size_t waiting = 0;       // jobs waiting in BeginJob
  bool exiting = false;
  std::set<JobRunner*> runners;
};

// Set while this thread is inside Execute: exit() called from a job's own thread (OpenBLAS calls
// exit when it cannot create a thread) must not wait for itself.
thread_local bool t_inJob = false;

// Leaked on purpose: worker threads may still lock it while exit() runs static destructors.
State& S() {
  static State* state = new State();
  return *state;
}

// Jobs that may run at once in the whole process, given OpenBLAS's pool of `pool` threads.
std::size_t RoomLocked(const State& s, std::size_t pool) {
  if (s.blas.buffers == kUnlimited) return kMaxWorkers;
  const std::size_t taken = s.environments + (pool - 1);
  return s.blas.buffers > taken ? std::min(kMaxWorkers, s.blas.buffers - taken) : 0;
}

std::string RoomNote(const State& s, std::size_t pool) {
  return s.blas.name + " has buffers for " + std::to_string(s.blas.buffers) +
         " threads inside it at once, of which the JavaScript threads with dlnflow loaded (" +
         std::to_string(s.environments) + ") and OpenBLAS's own extra threads (" + std::to_string(pool - 1) +
         ") hold " + std::to_string(s.environments + pool - 1);
}

void OnExit() {
  State& s = S();
  std::unique_lock<std::mutex> lock(s.mutex);
  s.exiting = true;
  for (JobRunner* runner : s.runners) runner->CancelAll();
  s.changed.notify_all();
  // A job returns within a step of its cancel flag (the core loops poll it), so this waits about
  // one step; a loop that did not poll would hold exit() until it finished.
  const std::size_t self = t_inJob ? 1 : 0;
  s.changed.wait(lock, [&] { return s.running <= self; });
}

}  // namespace

void AttachEnvironment() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  static bool first = true;
  if (first) {
    first = false;
    s.blas = QueryBlas();
    // OpenBLAS started its pool at min(cores, MAX_THREADS) threads (each holding a buffer) before
    // we get to lower the count; runs are single-threaded and run side by side instead.
    s.poolThreads = static_cast<std::size_t>(std::max(1, dln::blasThreads()));
    dln::setBlasThreads(1);
    // Registered after OpenBLAS was loaded, so it runs before OpenBLAS's destructor.
    std::atexit(OnExit);
  }
  ++s.environments;
}

void DetachEnvironment() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.environments > 0) --s.environments;
  s.changed.notify_all();
}

std::size_t MaxWorkerThreads() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  return std::max<std::size_t>(1, RoomLocked(s, s.poolThreads));
}

int MaxBlasThreads() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.blas.maxThreads;
}

void CheckWorkerThreads(std::size_t workers, const std::string& field) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::size_t room = std::max<std::size_t>(1, RoomLocked(s, s.poolThreads));
  if (workers <= room) return;
  std::string message = "expected an integer in [1, " + std::to_string(room) + "]";
  if (s.blas.buffers != kUnlimited) message += ": " + RoomNote(s, s.poolThreads);
  dln::fail(dln::ErrorCode::Value, field, message);
}

void SetBlasThreads(int threads, std::size_t workers, const std::string& field) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (threads < 1 || threads > s.blas.maxThreads) {
    std::string message = "expected an integer in [1, " + std::to_string(s.blas.maxThreads) + "]";
    if (!s.blas.name.empty()) message += ": " + s.blas.name + " runs at most that many";
    dln::fail(dln::ErrorCode::Value, field, message);
  }
  const std::size_t pool = std::max(s.poolThreads, static_cast<std::size_t>(threads));
  const std::size_t room = RoomLocked(s, pool);
  if (workers > room) {
    dln::fail(dln::ErrorCode::Value, field,
              std::to_string(threads) + " BLAS threads leave room for " + std::to_string(room) +
                  " worker threads, fewer than the " + std::to_string(workers) +
                  " set (lower setWorkerThreads first): " + RoomNote(s, pool));
  }
  dln::setBlasThreads(threads);
  s.poolThreads = pool;
}

bool BeginJob(const std::atomic<bool>& cancel) {
  State& s = S();
  std::unique_lock<std::mutex> lock(s.mutex);
  while (!s.exiting && s.running >= std::max<std::size_t>(1, RoomLocked(s, s.poolThreads))) {
    // Only when several environments share the room: poll the cancel flag (nobody notifies it).
    if (cancel.load(std::memory_order_relaxed)) return false;
    ++s.waiting;
    s.changed.wait_for(lock, std::chrono::milliseconds(10));
    --s.waiting;
  }
  if (s.exiting) return false;
  ++s.running;
  t_inJob = true;
  return true;
}

bool EndJob() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  --s.running;
  t_inJob = false;
  if (s.exiting || s.waiting > 0) s.changed.notify_all();
  return s.exiting;
}

bool Exiting() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.exiting;
}

void Park() {
  State& s = S();
  std::unique_lock<std::mutex> lock(s.mutex);
  for (;;) s.changed.wait(lock);
}

void AddRunner(JobRunner* runner) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.runners.insert(runner);
}

void RemoveRunner(JobRunner* runner) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.runners.erase(runner);
}

}  // namespace binding::process
