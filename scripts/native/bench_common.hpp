// Timing helpers for the native benchmarks: best-of-N wall time per call, in nanoseconds, and the
// thread's CPU time.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

template <class F>
double bestNsPerCall(F&& f, std::uint64_t calls, int repeats = 5) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < calls; ++i) f();
    const auto t1 = std::chrono::steady_clock::now();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(calls);
    if (ns < best) best = ns;
  }
  return best;
}

// This thread's CPU time in nanoseconds (POSIX: Linux and macOS).
inline double threadCpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return 1e9 * static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec);
}

// Keeps the optimizer from discarding a result.
inline void sink(double v) {
  static volatile double s;
  s = v;
}

#include <memory>

#include "data.hpp"
#include "losses/regression.hpp"
#include "problem.hpp"

// The Marion-Chizat problem every benchmark measures on: n = 50, d = 5, L = 10, data seed 0.
inline dln::Problem marionChizatBenchProblem() {
  dln::RegressionData mc = dln::marionChizatData(50, 5, 1.0, 0, 50);
  return dln::Problem(dln::NetworkSpec({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1}, {1.0}),
                      std::make_shared<dln::RegressionLoss>(50, 5, mc.X.data(), mc.y.data()), 0.0);
}
