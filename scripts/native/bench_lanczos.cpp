// Lanczos against the cost of its own products (issue 19, item 1), at the Marion-Chizat size
// (n = 50, d = 5, L = 10, P = 230) and at Jacot et al.'s deep size (widths 10-100-100-100-10,
// N = 100, P = 22 000). Prints JSON; every ratio is measured in this one run, in thread CPU time:
//  - hvpNs: one Hessian-vector product at the run's initial point (best of 5 timings);
//  - warm: gradient descent recording the exact sharpness (tol 1e-10, warm-started from the
//    previous Ritz vector) at every step (Marion-Chizat: scale 0.35, seed 1, eta in {0.02, 0.1},
//    450 steps; Jacot: scale 0.01, seed 1, eta 0.001, 30 steps), against the same run recording only
//    the loss: the time per recording over the time of the products it made (sharpnessHvps times
//    hvpNs); target <= 2;
//  - cold: a top-1 solve from a random start (tol 1e-10) through hessianSpectrum, over its
//    products' time; target <= 3;
//  - parity (Marion-Chizat only): the paper's schedule (eta 0.005, the reference code's 20-step
//    power iteration from a fresh Gaussian start every 5 steps; issue 19 item 4): the time per
//    recording over its 20 products, and the start vector's draws (P normals) one at a time
//    (Rng::normal) and in one pass (Rng::normals, the same bits), per recording.
// --profile runs the Marion-Chizat part once and skips Jacot's (for valgrind --tool=callgrind,
// whose instruction counts split a recording into products and the rest deterministically: e.g.
// --toggle-collect='dln::(anonymous namespace)::SpectralProbe::record(*' for the warm recordings,
// against HessianOperator::apply's inclusive count). --warm N runs only the Marion-Chizat warm
// recordings (both learning rates, N rounds) and prints nothing: for a profiler in time, whose
// samples under SpectralProbe::record against those under HessianOperator::apply give the same
// split in time (e.g. perf record --call-graph dwarf, then perf report --children; every product
// of this mode is a recording's). --cold N runs N rounds of 2000 cold top-1 solves, likewise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "evaluator.hpp"
#include "gd.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "losses/mse.hpp"
#include "rng.hpp"
#include "spectrum.hpp"

using namespace dln;

namespace {

// Thread CPU time (threadCpuNs, bench_common.hpp): on a shared machine the wall clock also counts
// the time this thread waits for a core, which would inflate the products and the rest unequally.

template <class F>
double bestCpuNsPerCall(F&& f, std::uint64_t calls, int repeats = 5) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = threadCpuNs();
    for (std::uint64_t i = 0; i < calls; ++i) f();
    best = std::min(best, (threadCpuNs() - t0) / static_cast<double>(calls));
  }
  return best;
}

int g_repeats = 7;
std::uint64_t g_calls = 100000;

// One Hessian-vector product at theta. Independent products (each from the same input) overlap
// in the core; chained ones, each one's input the previous one's output as in Lanczos, wait for
// the last (latency), and are rescaled by a power of two every 32 products (exact, one pass in 32)
// to stay in range.
double hvpNsAt(const Problem& problem, const std::vector<double>& theta, std::uint64_t calls, bool chained = false) {
  Evaluator ev(problem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  const std::size_t P = theta.size();
  std::vector<double> a(P), b(P);
  for (std::size_t i = 0; i < P; ++i) a[i] = 1.0 / static_cast<double>(1 + i % 7);
  double* v = a.data();
  double* out = b.data();
  std::uint64_t count = 0;
  return bestCpuNsPerCall(
      [&] {
        H.apply(v, out);
        if (chained) {
          std::swap(v, out);
          if (++count % 32 == 0) {
            int e = 0;
            std::frexp(std::fabs(v[0]) + std::fabs(v[P / 2]) + 1e-300, &e);
            for (std::size_t i = 0; i < P; ++i) v[i] = std::ldexp(v[i], -e);
          }
        }
        sink(out[0]);
      },
      calls);
}

struct Warm {
  double usPerRecording, hvpsPerRecording, ratio, lastSharpness;
};

Warm warmRecording(const Problem& problem, const std::vector<double>& theta0, double eta, double hvpNs,
                   std::size_t steps = 450, int repeats = 0) {
  if (repeats == 0) repeats = g_repeats;
  GdOptions o;
  o.learningRate = eta;
  o.maxSteps = steps;
  o.recordEvery = 1;
  auto timeRun = [&](const std::vector<std::string>& record, GdResult* keep) {
    o.record = record;
    RunControl control;
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
      const double t0 = threadCpuNs();
      GdResult res = gradientDescent(problem, theta0, o, control);
      best = std::min(best, threadCpuNs() - t0);
      if (keep) *keep = std::move(res);
    }
    return best;
  };
  GdResult with;
  const double plain = timeRun({"loss"}, nullptr);
  const double sharp = timeRun({"loss", "sharpness", "sharpnessHvps"}, &with);
  const auto& hv = with.trace.column(with.trace.find("sharpnessHvps")).values;
  const auto& s = with.trace.column(with.trace.find("sharpness")).values;
  double products = 0;
  for (double h : hv) products += h;
  const double recordings = static_cast<double>(hv.size());
  const double perRecording = (sharp - plain) / recordings;
  return {perRecording / 1e3, products / recordings, perRecording / (products / recordings * hvpNs), s.back()};
}

struct Parity {
  double usPerRecording, ratio, drawOneUs, drawBulkUs;
};

Parity parityRecording(const Problem& problem, const std::vector<double>& theta0, double hvpNs) {
  GdOptions o;
  o.learningRate = 0.005;
  o.maxSteps = g_repeats == 1 ? 500 : 4000;
  o.recordEvery = 5;
  o.probeOptions.sharpness.powerIterations = 20;
  auto timeRun = [&](const std::vector<std::string>& record) {
    o.record = record;
    RunControl control;
    double best = 1e300;
    for (int r = 0; r < g_repeats; ++r) {
      const double t0 = threadCpuNs();
      sink(gradientDescent(problem, theta0, o, control).weights[0]);
      best = std::min(best, threadCpuNs() - t0);
    }
    return best;
  };
  const double plain = timeRun({"loss"});
  const double power = timeRun({"loss", "sharpnessPower"});
  const double recordings = static_cast<double>(o.maxSteps / o.recordEvery + 1);
  const double perRecording = (power - plain) / recordings;
  const std::size_t P = theta0.size();
  std::vector<double> v(P);
  std::uint64_t stream = 0;
  const double one = bestCpuNsPerCall(
      [&] {
        Rng rng(0, Purpose::Eigensolver, {stream++, 1});
        for (std::size_t i = 0; i < P; ++i) v[i] = rng.normal();
        sink(v[P - 1]);
      },
      g_calls / 10);
  const double bulk = bestCpuNsPerCall(
      [&] {
        Rng rng(0, Purpose::Eigensolver, {stream++, 1});
        rng.normals(P, v.data());
        sink(v[P - 1]);
      },
      g_calls / 10);
  return {perRecording / 1e3, perRecording / (20 * hvpNs), one / 1e3, bulk / 1e3};
}

struct Cold {
  double us, hvps, ratio;
};

// A top-1 solve from a random start (streams 0..15 in turn): the best time per solve over
// `repeats` rounds of `calls` solves, and its mean products.
Cold coldSolve(const Problem& problem, const std::vector<double>& theta, double hvpNs, std::uint64_t calls,
               int repeats) {
  Evaluator ev(problem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  SharpnessOptions so;
  SpectrumRequest request;
  std::uint64_t stream = 0;
  const double ns = bestCpuNsPerCall(
      [&] {
        request.stream = stream++ % 16;
        sink(hessianSpectrum(ev, so, request).values[0]);
      },
      calls, repeats);
  double products = 0;
  for (std::uint64_t s = 0; s < 16; ++s) {
    request.stream = s;
    products += static_cast<double>(hessianSpectrum(ev, so, request).products) / 16.0;
  }
  return {ns / 1e3, products, ns / (products * hvpNs)};
}

// Jacot et al.'s deep setting (as bench_jacot.cpp): L = 4, w = 100, d_0 = d_L = 10, N = 100.
// Every Marion-Chizat measurement here starts from this initialization.
std::vector<double> marionChizatStart(const Problem& problem) {
  InitOptions io;
  io.scale = 0.35;
  io.seed = 1;
  return initialize(problem.spec(), io);
}

Problem jacotBenchProblem() {
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  return Problem(NetworkSpec({10, 100, 100, 100, 10}, {}),
                 std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--warm") {
    setBlasThreads(1);
    Problem problem = marionChizatBenchProblem();
    const auto theta0 = marionChizatStart(problem);
    const int rounds = std::max(1, std::atoi(argv[2]));
    for (int r = 0; r < rounds; ++r) {
      for (double eta : {0.02, 0.1}) {
        GdOptions o;
        o.learningRate = eta;
        o.maxSteps = 450;
        o.recordEvery = 1;
        o.record = {"loss", "sharpness", "sharpnessHvps"};
        RunControl control;
        sink(gradientDescent(problem, theta0, o, control).weights[0]);
      }
    }
    return 0;
  }
  if (argc > 2 && std::string(argv[1]) == "--cold") {
    // N rounds of 2000 cold top-1 solves at the Marion-Chizat start, printing nothing: for a
    // profiler in time, as --warm.
    setBlasThreads(1);
    Problem problem = marionChizatBenchProblem();
    const auto theta0 = marionChizatStart(problem);
    sink(coldSolve(problem, theta0, 1.0, 2000, std::max(1, std::atoi(argv[2]))).us);
    return 0;
  }
  if (argc > 1 && std::string(argv[1]) == "--profile") g_repeats = 1, g_calls = 10;
  const bool profile = g_repeats == 1;
  setBlasThreads(1);
  Problem problem = marionChizatBenchProblem();
  const auto theta0 = marionChizatStart(problem);
  const double hvpNs = hvpNsAt(problem, theta0, g_calls);
  const double hvpChainNs = hvpNsAt(problem, theta0, g_calls, true);

  const Warm a = warmRecording(problem, theta0, 0.02, hvpNs);
  const Warm b = warmRecording(problem, theta0, 0.1, hvpNs);
  const Cold cold = coldSolve(problem, theta0, hvpNs, profile ? 16 : 2000, profile ? 1 : 5);
  const Parity parity = parityRecording(problem, theta0, hvpNs);

  double jacotHvpNs = 0.0;
  Warm jw{};
  Cold jc{};
  if (!profile) {
    Problem jacot = jacotBenchProblem();
    InitOptions jo;
    jo.scale = 0.01;
    jo.seed = 1;
    const auto jacot0 = initialize(jacot.spec(), jo);
    jacotHvpNs = hvpNsAt(jacot, jacot0, 200);
    jw = warmRecording(jacot, jacot0, 1e-3, jacotHvpNs, 30, 3);
    jc = coldSolve(jacot, jacot0, jacotHvpNs, 16, 3);
  }

  std::printf(
      "{\"blas\": \"%s\", \"hvpNs\": %.1f, \"hvpChainNs\": %.1f,"
      " \"warmEta0.02\": {\"usPerRecording\": %.2f, \"hvpsPerRecording\": %.2f, \"overProducts\": %.2f, "
      "\"finalSharpness\": %.15g},"
      " \"warmEta0.1\": {\"usPerRecording\": %.2f, \"hvpsPerRecording\": %.2f, \"overProducts\": %.2f, "
      "\"finalSharpness\": %.15g},"
      " \"warmTarget\": 2, \"coldTop1\": {\"us\": %.2f, \"hvps\": %.2f, \"overProducts\": %.2f}, \"coldTarget\": 3,"
      " \"parity\": {\"usPerRecording\": %.2f, \"over20Products\": %.2f, \"startDrawsUs\": {\"oneByOne\": %.3f, "
      "\"onePass\": %.3f}},"
      " \"jacot\": {\"hvpUs\": %.1f, \"warmEta0.001\": {\"usPerRecording\": %.1f, \"hvpsPerRecording\": %.2f, "
      "\"overProducts\": %.2f, \"finalSharpness\": %.15g}, \"coldTop1\": {\"us\": %.1f, \"hvps\": %.2f, "
      "\"overProducts\": %.2f}}}\n",
      blasVendor(), hvpNs, hvpChainNs, a.usPerRecording, a.hvpsPerRecording, a.ratio, a.lastSharpness, b.usPerRecording,
      b.hvpsPerRecording, b.ratio, b.lastSharpness, cold.us, cold.hvps, cold.ratio, parity.usPerRecording, parity.ratio,
      parity.drawOneUs, parity.drawBulkUs, jacotHvpNs / 1e3, jw.usPerRecording, jw.hvpsPerRecording, jw.ratio,
      jw.lastSharpness, jc.us, jc.hvps, jc.ratio);
}
