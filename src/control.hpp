// How a long computation talks to its caller: a cancel flag it polls, and a progress callback it
// calls at most every `progressInterval` seconds. Both are optional.
//
// Cancellation reaches two kinds of code. Drivers poll RunControl::cancelled() once per step and
// end with status "cancelled". Work inside one step that can take long on a big problem (a Lanczos
// solve, a dense Hessian, an eigen-decomposition) gets a CancelFlag and calls check() between
// pieces of bounded cost; check() throws ErrorCode::Cancelled, which unwinds to the driver (see
// driver.hpp) or to the caller of a one-shot computation (spectrum.hpp, measure.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "error.hpp"

namespace dln {

// A read-only view of the caller's cancel flag; the default one is never raised. Polling costs one
// relaxed atomic load.
class CancelFlag {
 public:
  CancelFlag() = default;
  explicit CancelFlag(const std::atomic<bool>* flag) : flag_(flag) {}
  bool raised() const { return flag_ && flag_->load(std::memory_order_relaxed); }
  // Throws ErrorCode::Cancelled if the flag is raised.
  void check() const {
    if (raised()) throw Error(ErrorCode::Cancelled, "", "cancelled");
  }
  // The flag itself, for a nested run's RunControl (a probe that runs a flow).
  const std::atomic<bool>* pointer() const { return flag_; }

 private:
  const std::atomic<bool>* flag_ = nullptr;
};

struct Progress {
  std::uint64_t done = 0;   // steps (GD), accepted steps (flow), runs (sweep)
  std::uint64_t total = 0;  // 0 when unknown
  double loss = 0.0;
  double time = 0.0;  // flow time, when it applies
};

class RunControl {
 public:
  RunControl() = default;
  RunControl(const std::atomic<bool>* cancel, std::function<void(const Progress&)> onProgress,
             double progressInterval = 0.1)
      : cancel_(cancel), onProgress_(std::move(onProgress)), interval_(progressInterval) {}

  bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }
  CancelFlag cancelFlag() const { return CancelFlag(cancel_); }

  // Calls the progress callback if the interval has passed (or if `force`).
  void report(const Progress& p, bool force = false) {
    if (!onProgress_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::duration<double>(interval_)) return;
    last_ = now;
    onProgress_(p);
  }
  bool wantsProgress() const { return static_cast<bool>(onProgress_); }

 private:
  const std::atomic<bool>* cancel_ = nullptr;
  std::function<void(const Progress&)> onProgress_;
  double interval_ = 0.1;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace dln
