// Lanczos against the cost of its own products (issue 19, item 1), at the Marion-Chizat size
// (n = 50, d = 5, L = 10, P = 230). Prints JSON; every ratio is measured in this one run:
//  - hvpNs: one Hessian-vector product at the run's initial point (best of 5 timings);
//  - warm: gradient descent (scale 0.35, seed 1, eta in {0.02, 0.1}, 450 steps) recording the
//    exact sharpness (tol 1e-10, warm-started from the previous Ritz vector) at every step,
//    against the same run recording only the loss: the time per recording over the time of the
//    products it made (sharpnessHvps); target <= 2;
//  - cold: a top-1 solve from a random start (tol 1e-10) through hessianSpectrum, over its
//    products' time; target <= 3;
//  - parity: the paper's schedule (eta 0.005, the reference code's 20-step power iteration from a
//    fresh Gaussian start every 5 steps; issue 19 item 4): the time per recording over its 20
//    products, and the start vector's draws (P normals) one at a time (Rng::normal) and in one
//    pass (Rng::normals, the same bits), per recording.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "blas.hpp"
#include "evaluator.hpp"
#include "gd.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "rng.hpp"
#include "spectrum.hpp"

using namespace dln;

namespace {

// Thread CPU time: on a shared machine the wall clock also counts the time this thread waits for
// a core, which would inflate the products and the rest unequally.
double cpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return 1e9 * static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec);
}

template <class F>
double bestCpuNsPerCall(F&& f, std::uint64_t calls, int repeats = 5) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = cpuNs();
    for (std::uint64_t i = 0; i < calls; ++i) f();
    best = std::min(best, (cpuNs() - t0) / static_cast<double>(calls));
  }
  return best;
}

// --profile: one repetition of everything (for valgrind --tool=callgrind, whose instruction
// counts split a recording into products and the rest deterministically).
int g_repeats = 7;
std::uint64_t g_calls = 100000;

double hvpNsAt(const Problem& problem, const std::vector<double>& theta) {
  Evaluator ev(problem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  const std::size_t P = theta.size();
  std::vector<double> v(P), out(P);
  for (std::size_t i = 0; i < P; ++i) v[i] = 1.0 / static_cast<double>(1 + i % 7);
  return bestCpuNsPerCall(
      [&] {
        H.apply(v.data(), out.data());
        sink(out[0]);
      },
      g_calls);
}

struct Warm {
  double usPerRecording, hvpsPerRecording, ratio, lastSharpness;
};

Warm warmRecording(const Problem& problem, const std::vector<double>& theta0, double eta, double hvpNs) {
  GdOptions o;
  o.learningRate = eta;
  o.maxSteps = 450;
  o.recordEvery = 1;
  auto timeRun = [&](const std::vector<std::string>& record, GdResult* keep) {
    o.record = record;
    RunControl control;
    double best = 1e300;
    for (int r = 0; r < g_repeats; ++r) {
      const double t0 = cpuNs();
      GdResult res = gradientDescent(problem, theta0, o, control);
      best = std::min(best, cpuNs() - t0);
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
      const double t0 = cpuNs();
      sink(gradientDescent(problem, theta0, o, control).weights[0]);
      best = std::min(best, cpuNs() - t0);
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

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--profile") g_repeats = 1, g_calls = 10;
  setBlasThreads(1);
  Problem problem = marionChizatBenchProblem();
  InitOptions io;
  io.scale = 0.35;
  io.seed = 1;
  const auto theta0 = initialize(problem.spec(), io);
  const double hvpNs = hvpNsAt(problem, theta0);

  const Warm a = warmRecording(problem, theta0, 0.02, hvpNs);
  const Warm b = warmRecording(problem, theta0, 0.1, hvpNs);

  Evaluator ev(problem);
  ev.evaluate(theta0.data());
  ev.completeGradient();
  SharpnessOptions so;
  SpectrumRequest request;
  Spectrum last;
  std::uint64_t stream = 0;
  const double cold = bestCpuNsPerCall(
      [&] {
        request.stream = stream++ % 16;
        last = hessianSpectrum(ev, so, request);
        sink(last.values[0]);
      },
      g_repeats == 1 ? 16 : 2000, g_repeats == 1 ? 1 : 5);
  double coldProducts = 0;
  for (std::uint64_t s = 0; s < 16; ++s) {
    request.stream = s;
    coldProducts += static_cast<double>(hessianSpectrum(ev, so, request).products) / 16.0;
  }

  const Parity parity = parityRecording(problem, theta0, hvpNs);

  std::printf(
      "{\"blas\": \"%s\", \"hvpNs\": %.1f,"
      " \"warmEta0.02\": {\"usPerRecording\": %.2f, \"hvpsPerRecording\": %.2f, \"overProducts\": %.2f, "
      "\"finalSharpness\": %.15g},"
      " \"warmEta0.1\": {\"usPerRecording\": %.2f, \"hvpsPerRecording\": %.2f, \"overProducts\": %.2f, "
      "\"finalSharpness\": %.15g},"
      " \"warmTarget\": 2, \"coldTop1\": {\"us\": %.2f, \"hvps\": %.2f, \"overProducts\": %.2f}, \"coldTarget\": 3,"
      " \"parity\": {\"usPerRecording\": %.2f, \"over20Products\": %.2f, \"startDrawsUs\": {\"oneByOne\": %.3f, "
      "\"onePass\": %.3f}}}\n",
      blasVendor(), hvpNs, a.usPerRecording, a.hvpsPerRecording, a.ratio, a.lastSharpness, b.usPerRecording,
      b.hvpsPerRecording, b.ratio, b.lastSharpness, cold / 1e3, coldProducts, cold / (coldProducts * hvpNs),
      parity.usPerRecording, parity.ratio, parity.drawOneUs, parity.drawBulkUs);
}
