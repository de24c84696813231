// GD runs in SIMD lanes (src/lanes/gd_lanes.hpp) against the single-run path: every result field,
// every trace value, every final weight has the same bits as gradientDescent() -- with runs that
// diverge, converge on a target, record on schedules of their own, outnumber the lanes (lanes
// refill), widths above 8 (the dot4 order) and an ineligible run (single-run fallback). False
// case: one lane's learning rate moved by one ulp gives different weights.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "check.hpp"
#include "gd.hpp"
#include "lanes/gd_lanes.hpp"
#include "lanes/lane_check.hpp"
#include "lanes/lane_group.hpp"
#include "lanes/lane_table.hpp"
#include "losses/regression.hpp"
#include "rng.hpp"
#if __has_include("kernels/cpu_dispatch.hpp")
#include "kernels/chain_kernels.hpp"
#include "kernels/cpu_dispatch.hpp"
#define DLN_TEST_LEVELS 1
#endif
#include "fixed_order_sums.hpp"

namespace {

double uniform(std::uint64_t& s) {  // a small LCG: test data only
  s = s * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<double>(s >> 11) / 9007199254740992.0 - 0.5;
}

std::shared_ptr<const dln::Problem> problemOf(std::vector<std::size_t> widths, std::size_t n, std::uint64_t seed) {
  const std::size_t d = widths.front();
  std::vector<double> X(n * d), y(n), p(widths.back());
  for (double& v : X) v = 2.0 * uniform(seed);
  for (double& v : y) v = 2.0 * uniform(seed);
  double norm = 0.0;
  for (double& v : p) {
    v = uniform(seed) + 0.7;
    norm += v * v;
  }
  for (double& v : p) v /= std::sqrt(norm);
  auto loss = std::make_shared<dln::RegressionLoss>(n, d, X.data(), y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec(widths, widths.back() > 1 ? p : std::vector<double>{}),
                                              loss);
}

std::vector<double> initOf(const dln::Problem& problem, double scale, std::uint64_t seed) {
  std::vector<double> theta(problem.spec().paramCount());
  for (double& v : theta) v = scale * uniform(seed);
  return theta;
}

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool sameResult(const dln::GdResult& a, const dln::GdResult& b, std::string& why) {
  if (a.status != b.status) return why = "status", false;
  if (a.message != b.message) return why = "message " + a.message + " / " + b.message, false;
  if (a.steps != b.steps) return why = "steps", false;
  if (a.divergedAt != b.divergedAt) return why = "divergedAt", false;
  if (!sameBits(a.finalLoss, b.finalLoss)) return why = "finalLoss", false;
  if (!sameBits(a.finalGradNorm, b.finalGradNorm)) return why = "finalGradNorm", false;
  if (a.weights.size() != b.weights.size()) return why = "weights size", false;
  for (std::size_t i = 0; i < a.weights.size(); ++i)
    if (!sameBits(a.weights[i], b.weights[i])) return why = "weights[" + std::to_string(i) + "]", false;
  if (a.trace.rows() != b.trace.rows()) return why = "trace rows", false;
  const auto& ca = a.trace.columns();
  const auto& cb = b.trace.columns();
  if (ca.size() != cb.size()) return why = "trace columns", false;
  for (std::size_t c = 0; c < ca.size(); ++c) {
    if (ca[c].name != cb[c].name || ca[c].values.size() != cb[c].values.size())
      return why = "column " + ca[c].name, false;
    for (std::size_t i = 0; i < ca[c].values.size(); ++i)
      if (!sameBits(ca[c].values[i], cb[c].values[i])) return why = "column " + ca[c].name, false;
  }
  return true;
}

dln::GdOptions optionsOf(double eta, std::uint64_t steps, std::uint64_t every, std::uint64_t seed) {
  dln::GdOptions o;
  o.learningRate = eta;
  o.maxSteps = steps;
  o.recordEvery = every;
  o.record = {"loss", "distance", "gradNorm", "sharpness", "sharpnessPower"};
  o.probeOptions.sharpness.seed = seed;
  o.seed = seed;
  return o;
}

// Runs `runs` both ways and checks each result bit for bit; returns the lane results.
std::vector<dln::GdResult> compare(const dln::Problem& problem, const std::vector<dln::lanes::LaneRun>& runs,
                                   const char* what) {
  dln::RunControl control;
  std::vector<dln::GdResult> lanes = dln::lanes::gradientDescentLanes(problem, runs, control);
  CHECK(lanes.size() == runs.size(), "one result per run");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    dln::RunControl single;
    dln::GdResult one = dln::gradientDescent(problem, runs[i].theta0, runs[i].options, single);
    std::string why;
    const bool same = sameResult(lanes[i], one, why);
    CHECK(same, std::string(what) + ": run " + std::to_string(i) + " differs in " + why);
  }
  return lanes;
}

// The paper's schedule (loss, distance and sharpnessPower every 5 steps): the rows take the loss
// and the distance from the lane's own evaluation, the point is copied out and evaluated by the
// scalar Evaluator only where the run ends (rowsFromLanes). Every bit as the single runs, with runs that diverge (non-finite
// and above a ceiling), reach a loss target, end off the schedule, record per decade too and
// outnumber the lanes; then a cancellation in the middle of the runs. False cases: the decision is
// false for any other column (and the default quantities), and a loss column read one step late
// would differ.
void checkPaperSchedule(const dln::Problem& mc) {
  dln::GdOptions paper;
  paper.record = {"loss", "distance", "sharpnessPower"};
  paper.recordEvery = 5;
  CHECK(dln::lanes::rowsFromLanes(mc, paper), "the paper's schedule takes its rows from the lanes");
  for (auto other :
       {std::vector<std::string>{}, {"loss", "gradNorm"}, {"sharpnessPower", "sharpness"}, {"excessLoss"}}) {
    dln::GdOptions o = paper;
    o.record = other;
    CHECK(!dln::lanes::rowsFromLanes(mc, o), "a row reading the evaluator or the point is evaluated again");
  }
  std::vector<dln::lanes::LaneRun> runs;
  for (std::uint64_t i = 0; i < 13; ++i) {
    dln::lanes::LaneRun r{initOf(mc, 1.4 + 0.1 * static_cast<double>(i % 5), 700 + i), paper};
    r.options.learningRate = 0.005 + 0.003 * static_cast<double>(i);
    r.options.maxSteps = 60 + 7 * i;  // most end off the schedule: a last row of their own
    r.options.probeOptions.sharpness.seed = 40 + i;
    runs.push_back(std::move(r));
  }
  runs[1].options.learningRate = 40.0;  // diverges (non-finite loss)
  runs[1].theta0 = initOf(mc, 0.8, 305);
  runs[3].options.lossCeiling = 1e-3;   // above the ceiling at once
  runs[6].options.lossTarget = 0.28;    // stops on the target, midway
  runs[9].options.recordPerDecade = 4;  // rows off the every-5 schedule
  runs[11].options.probeOptions.sharpness.powerIterations = 3;
  runs[12].options.record = {"distanceMean", "loss", "distance"};  // no power iteration, the columns reordered
  std::vector<dln::GdResult> got = compare(mc, runs, "paper's schedule");
  std::size_t diverged = 0, converged = 0, completed = 0;
  for (const auto& r : got) {
    diverged += r.status == dln::RunStatus::Diverged;
    converged += r.status == dln::RunStatus::Converged;
    completed += r.status == dln::RunStatus::Completed;
  }
  CHECK(diverged >= 2 && converged >= 1 && completed >= 8, "the paper's runs cover divergence, a target and budgets (" +
                                                               std::to_string(diverged) + " diverged, " +
                                                               std::to_string(converged) + " converged)");
  // False case: the loss column one step later (the loss after the update) differs.
  {
    dln::lanes::LaneRun later = runs[0];
    later.options.recordEvery = 1;
    dln::RunControl control;
    auto every = dln::lanes::gradientDescentLanes(mc, {later}, control);
    const auto& loss = every[0].trace.columns()[2].values;
    const auto& scheduled = got[0].trace.columns()[2].values;
    CHECK(every[0].trace.columns()[2].name == "loss" && sameBits(loss[5], scheduled[1]) &&
              !sameBits(loss[6], scheduled[1]),
          "the row's loss is the loss at its step, not after the step");
  }

  // A run refilling the lane of one that diverged at step 7 waits two steps for the other lanes'
  // phase: every batched power iteration falls on a multiple of 5 group steps (not so without the
  // wait: its rows at 8 + 5 j would double them), with the single runs' bits. False case: a refill
  // recording every 7 steps cannot share the others' power iterations.
  {
    std::vector<dln::lanes::LaneRun> phased;
    for (std::uint64_t i = 0; i < 9; ++i) {
      dln::lanes::LaneRun r{initOf(mc, 1.4 + 0.05 * static_cast<double>(i), 900 + i), paper};
      r.options.learningRate = 0.005 + 0.002 * static_cast<double>(i);
      r.options.maxSteps = 100;
      r.options.probeOptions.sharpness.powerIterations = 4;
      phased.push_back(std::move(r));
    }
    phased[0].theta0 = initOf(mc, 0.8, 305);  // non-finite at step 7
    phased[0].options.learningRate = 40.0;
    dln::lanes::LaneStats stats;
    dln::RunControl control;
    auto lanes = dln::lanes::gradientDescentLanes(mc, phased, control, &stats);
    CHECK(lanes[0].status == dln::RunStatus::Diverged && lanes[0].divergedAt == 7, "the first run diverges at step 7");
    for (std::size_t i = 0; i < phased.size(); ++i) {
      dln::RunControl single;
      std::string why;
      const bool same =
          sameResult(lanes[i], dln::gradientDescent(mc, phased[i].theta0, phased[i].options, single), why);
      CHECK(same, "a run in phase: " + why);
    }
    std::printf("  phase: %llu group steps, %llu power iterations, %llu lane-steps waiting\n",
                static_cast<unsigned long long>(stats.groupSteps),
                static_cast<unsigned long long>(stats.powerIterations),
                static_cast<unsigned long long>(stats.waitingLaneSteps));
    CHECK(stats.groupSteps == 111 && stats.waitingLaneSteps == 2 && stats.powerIterations == 23,
          "the refill waits two steps and shares the others' power iterations (rows at 0, 5, ..., 110)");
    phased[8].options.recordEvery = 7;
    auto apart = dln::lanes::gradientDescentLanes(mc, phased, control, &stats);
    CHECK(stats.waitingLaneSteps == 0 && stats.powerIterations > 23 + 10,
          "a refill on another schedule has power iterations of its own");
  }

  // Cancelled in the middle (the progress callback raises the flag once 2000 steps are done): a
  // cancelled run has the single run's rows up to where it stopped (the single run with that many
  // steps as its budget, whose last row is dropped where the cancellation reached the power
  // iteration), its weights, final loss and final gradient norm.
  std::atomic<bool> flag{false};
  dln::RunControl control(
      &flag, [&flag](const dln::Progress& p) { flag = flag || p.done >= 1000; }, 0.0);
  std::vector<dln::lanes::LaneRun> many;
  for (std::uint64_t i = 0; i < 3; ++i)
    for (const auto& r : runs) many.push_back(r);
  auto lanes = dln::lanes::gradientDescentLanes(mc, many, control);
  std::size_t cancelled = 0, midway = 0;
  for (std::size_t i = 0; i < many.size(); ++i) {
    if (lanes[i].status != dln::RunStatus::Cancelled) {
      std::string why;
      const bool same = sameResult(lanes[i], got[i % runs.size()], why);
      CHECK(same, "a run ended before the cancellation: " + why);
      continue;
    }
    ++cancelled;
    if (lanes[i].steps == 0) continue;
    ++midway;
    dln::lanes::LaneRun shorter = many[i];
    shorter.options.maxSteps = lanes[i].steps;
    dln::RunControl single;
    dln::GdResult one = dln::gradientDescent(mc, shorter.theta0, shorter.options, single);
    one.trace.truncateRows(lanes[i].trace.rows());
    one.status = dln::RunStatus::Cancelled;
    one.message = "cancelled at step " + std::to_string(lanes[i].steps);
    std::string why;
    const bool same = sameResult(lanes[i], one, why);
    CHECK(same, "a run cancelled midway: " + why);
  }
  std::printf("  paper's schedule: %zu of %zu runs cancelled, %zu midway\n", cancelled, many.size(), midway);
  CHECK(midway >= 1 && cancelled > midway, "the cancellation reaches runs midway (" + std::to_string(midway) +
                                               ") and runs not started (" + std::to_string(cancelled - midway) + ")");
}

}  // namespace

void runAll() {
  // The Marion–Chizat shape: widths 5 ... 5 (depth 10), univariate head through p.
  auto mc = problemOf({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 50, 11);
  CHECK(dln::lanes::laneIneligibility(*mc, optionsOf(0.01, 10, 0, 1)).empty(), "plain GD is eligible");
  std::vector<dln::lanes::LaneRun> runs;
  const double etas[] = {0.005, 0.02, 0.07, 0.2, 2.0, 8.0};
  const double scales[] = {0.05, 0.5, 1.5};
  std::uint64_t seed = 100;
  for (double eta : etas) {
    for (double scale : scales) {
      dln::lanes::LaneRun r{initOf(*mc, scale, seed),
                            optionsOf(eta, 300 + 37 * (seed % 5), seed % 3 == 0 ? 0 : 7 + seed % 5, seed)};
      ++seed;
      runs.push_back(std::move(r));
    }
  }
  runs[2].options.recordPerDecade = 3;
  runs[4].options.lossTarget = 1.2;             // a target some runs reach
  runs[5].options.lossCeiling = 1e-3;           // above the ceiling at once
  runs[7].options.optimizer.kind = "momentum";  // ineligible: the single-run fallback in the same call
  CHECK(!dln::lanes::laneIneligibility(*mc, runs[7].options).empty(), "momentum is not eligible");
  runs[8].options.gradNormTarget = 1e-3;
  CHECK(!dln::lanes::laneIneligibility(*mc, runs[8].options).empty(), "a gradient-norm target is not eligible");
  std::vector<dln::GdResult> got = compare(*mc, runs, "Marion–Chizat shape");
  std::size_t diverged = 0, converged = 0;
  for (const auto& r : got) {
    diverged += r.status == dln::RunStatus::Diverged;
    converged += r.status == dln::RunStatus::Converged;
  }
  CHECK(diverged >= 2 && converged >= 1, "the runs cover divergence and a target (" + std::to_string(diverged) +
                                             " diverged, " + std::to_string(converged) + " converged)");

  // Widths above 8: the generic loops (dot4 order in the fused step); depth 1 (one layer, p = [1]).
  auto wide = problemOf({12, 9, 11, 3}, 40, 5);
  auto shallow = problemOf({6, 1}, 30, 6);
  // n < d: Sigma is singular, the regression head works from the residuals (per lane, not in SoA).
  auto residuals = problemOf({5, 4, 3, 1}, 4, 9);
  CHECK(static_cast<const dln::RegressionLoss&>(residuals->loss()).fromResiduals(), "n < d: the residual form");
  for (const auto& problem : {wide, shallow, residuals}) {
    std::vector<dln::lanes::LaneRun> some;
    for (std::uint64_t s = 0; s < 6; ++s)
      some.push_back({initOf(*problem, 0.4, 50 + s), optionsOf(0.01 * static_cast<double>(s + 1), 200, 11, s)});
    compare(*problem, some, problem == wide ? "widths above 8" : problem == shallow ? "depth 1" : "residual head");
  }

  // The batched power iteration (sharpnessPower every row): per-lane iteration counts (1, 2, 7,
  // 20), seeds and schedules; a run at the origin (H v = 0: the estimate is 0 from there on); a
  // run that diverges; runs whose products overflow while the loss is finite (NaN
  // rows) or whose iterates are rescaled; more runs than lanes. Every column, every bit, as the single runs.
  {
    std::vector<dln::lanes::LaneRun> power;
    const std::size_t iterations[] = {20, 1, 7, 2, 20, 3, 20, 5, 20};
    for (std::uint64_t i = 0; i < 9; ++i) {
      dln::lanes::LaneRun r{initOf(*mc, 0.3 + 0.1 * static_cast<double>(i % 4), 300 + i),
                            optionsOf(0.01 + 0.03 * static_cast<double>(i), 120 + 10 * i, 1 + i % 3, 7 + i)};
      r.options.record = {"loss", "sharpnessPower", "distance"};
      r.options.probeOptions.sharpness.powerIterations = iterations[i];
      power.push_back(std::move(r));
    }
    std::fill(power[2].theta0.begin(), power[2].theta0.end(), 0.0);  // the origin
    power[5].theta0 = initOf(*mc, 0.8, 305);                         // diverges at step 8 (non-finite loss)
    power[5].options.learningRate = 40.0;
    power[5].options.recordEvery = 1;
    // Weights of order 1e5: the loss (~1e95) is finite, the second product's squares overflow (a
    // NaN row); of order 1e6: every iterate's norm passes 1e100 and is rescaled (a finite row).
    power[8].theta0 = initOf(*mc, 1e5, 308);
    power[6].theta0 = initOf(*mc, 1e6, 306);
    std::vector<dln::GdResult> got = compare(*mc, power, "batched power iteration");
    auto column = [](const dln::GdResult& r) {
      for (const auto& c : r.trace.columns())
        if (c.name == "sharpnessPower") return c.values;
      return std::vector<double>{};
    };
    bool zero = false, nan = false, finite = false, rescaled = false;
    for (const auto& r : got) {
      for (double v : column(r)) {
        zero = zero || v == 0.0;
        nan = nan || std::isnan(v);
        finite = finite || (std::isfinite(v) && v > 0);
        rescaled = rescaled || (std::isfinite(v) && v > 1e100);
      }
    }
    CHECK(zero && nan && finite && rescaled,
          "the power runs cover H v = 0, overflowing products, rescaled iterates and ordinary estimates");
    // False case: the run's eigensolver seed one up changes its sharpnessPower column (the starts
    // are drawn from the run's own stream) and nothing else.
    std::vector<dln::lanes::LaneRun> moved = {power[1], power[0]};  // power[0]: 20 iterations
    moved[1].options.probeOptions.sharpness.seed += 1;
    dln::RunControl control;
    auto lanes = dln::lanes::gradientDescentLanes(*mc, moved, control);
    std::string why;
    CHECK(sameResult(lanes[0], got[1], why), "the neighbour of a moved power seed keeps its bits");
    CHECK(!sameResult(lanes[1], got[0], why) && why == "column sharpnessPower",
          "a moved power seed shows in sharpnessPower only (" + why + ")");
    CHECK(lanes[1].weights == got[0].weights, "a moved power seed leaves the trajectory alone");
  }

  checkPaperSchedule(*mc);

  // False case: one ulp on one lane's learning rate shows in its weights.
  {
    std::vector<dln::lanes::LaneRun> two = {runs[0], runs[1]};
    two[1].options.learningRate = std::nextafter(two[1].options.learningRate, 1.0);
    dln::RunControl control;
    auto lanes = dln::lanes::gradientDescentLanes(*mc, two, control);
    dln::RunControl single;
    auto one = dln::gradientDescent(*mc, runs[1].theta0, runs[1].options, single);
    std::string why;
    CHECK(!sameResult(lanes[1], one, why), "a lane with a perturbed learning rate differs");
    CHECK(sameResult(lanes[0], got[0], why), "its neighbour lane does not");
  }

  // Cancelled before the start: every run ends at step 0, "cancelled".
  {
    std::atomic<bool> flag{true};
    dln::RunControl control(&flag, nullptr);
    auto lanes = dln::lanes::gradientDescentLanes(*mc, {runs[0], runs[1]}, control);
    CHECK(lanes[0].status == dln::RunStatus::Cancelled && lanes[1].status == dln::RunStatus::Cancelled, "cancelled");
  }
}

// The eligibility check of the lane kernels (lane_check.hpp): always true at baseline (equal by
// construction); at the wider levels it decides per shape, and the comparisons above hold either
// way (a problem whose shapes disagree runs the single-run path, e.g. the residual head's 4 x 5
// layer at avx2 with GCC 12, where the single-run transposedTimes is an in-order reduction).
void checkShapes() {
  std::size_t disagree = 0;
  for (std::size_t rows = 1; rows <= 9; ++rows)
    for (std::size_t cols = 1; cols <= 10; ++cols) disagree += !dln::lanes::kernelsAgree(rows, cols);
#if defined(DLN_TEST_LEVELS)
  if (dln::cpu::active() == dln::cpu::Level::Baseline) CHECK(disagree == 0, "baseline: every shape agrees");
#endif
  std::printf("  %zu of 90 shapes run single (kernels round differently)\n", disagree);
}

#if defined(DLN_TEST_LEVELS)
// The lane-kernel copies (lane_table.hpp) the CPU runs: the IEEE copies of every instruction set
// (the default level's lanes) give, per lane, the bits of the single-run baseline kernels on every
// shape up to 9 x 10 and a few wider ones (the generic loops), and their LaneOps those of the
// scalar code (fixed_order_sums.hpp, RegressionLoss). False case: the copies compiled with FMA
// contraction (the avx2/avx512 levels' lanes) are found to differ from the baseline kernels by
// the same comparison lane_check uses, on the Marion-Chizat 5 x 5 layer and others.
void checkCopies() {
  using dln::lanes::Isa;
  const dln::kernels::ChainKernels& single = *dln::kernels::kChainKernels[0];
  std::vector<std::pair<std::size_t, std::size_t>> shapes;
  for (std::size_t rows = 1; rows <= 9; ++rows)
    for (std::size_t cols = 1; cols <= 10; ++cols) shapes.push_back({rows, cols});
  for (auto wide : {std::pair<std::size_t, std::size_t>{12, 9}, {9, 12}, {16, 3}, {3, 19}}) shapes.push_back(wide);
  auto mc = problemOf({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 50, 11);
  const auto& regression = static_cast<const dln::RegressionLoss&>(mc->loss());
  const std::size_t d = regression.inputDim();
  std::uint64_t seed = 77;
  for (int i = 0; i < dln::lanes::kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (!dln::cpu::supported(static_cast<dln::cpu::Level>(i))) continue;
    const char* name = dln::lanes::isaName(isa);
    std::size_t agree = 0;
    for (auto [rows, cols] : shapes) agree += dln::lanes::tablesAgree(*dln::lanes::kIeeeKernels[i], single, rows, cols);
    CHECK(agree == shapes.size(), std::string(name) + " IEEE copy: every shape has the baseline kernels' bits (" +
                                      std::to_string(agree) + " of " + std::to_string(shapes.size()) + ")");
    const dln::lanes::LaneOps& ops = *dln::lanes::kIeeeOps[i];
    for (std::size_t n : {1, 3, 4, 5, 7, 13, 230}) {
      std::vector<dln::lanes::Pack> x(n);
      for (auto& p : x)
        for (std::size_t k = 0; k < dln::lanes::kLanes; ++k) p[k] = 3.0 * uniform(seed);
      dln::lanes::Pack got;
      ops.sumOfSquares(n, x[0].v, got.v);
      bool same = true;
      for (std::size_t k = 0; k < dln::lanes::kLanes; ++k) {
        std::vector<double> lane(n);
        for (std::size_t j = 0; j < n; ++j) lane[j] = x[j][k];
        same = same && sameBits(got[k], dln::sumOfSquares(n, lane.data()));
      }
      CHECK(same, std::string(name) + " sumOfSquares, n = " + std::to_string(n));
    }
    std::vector<dln::lanes::Pack> head(d), grad(d), dg(d);
    for (auto& p : head)
      for (std::size_t k = 0; k < dln::lanes::kLanes; ++k) p[k] = uniform(seed);
    dln::lanes::Pack loss;
    ops.regressionHead(d, regression.sigma().data(), regression.wStar().data(), regression.minimum(), head[0].v,
                       grad[0].v, loss.v);
    ops.regressionHessian(d, regression.sigma().data(), head[0].v, dg[0].v);
    bool same = true;
    for (std::size_t k = 0; k < dln::lanes::kLanes; ++k) {
      std::vector<double> w(d), g(d), h(d);
      for (std::size_t j = 0; j < d; ++j) w[j] = head[j][k];
      same = same && sameBits(loss[k], regression.valueAndGradient(w.data(), g.data()) + 0.0);
      regression.hessianAction(w.data(), h.data());  // at the baseline level (kernels::dot without FMA)
      for (std::size_t j = 0; j < d; ++j) same = same && sameBits(grad[j][k], g[j]) && sameBits(dg[j][k], h[j]);
    }
    CHECK(same, std::string(name) + " regression head and Hessian action");
    // False case: the same instruction set with FMA contraction differs from the baseline kernels.
    if (dln::lanes::kFusedKernels[i]) {
      std::size_t differ = 0;
      for (auto [rows, cols] : shapes)
        differ += !dln::lanes::tablesAgree(*dln::lanes::kFusedKernels[i], single, rows, cols);
      std::printf("  %s FMA copy: %zu of %zu shapes differ from the baseline kernels\n", name, differ, shapes.size());
      CHECK(!dln::lanes::tablesAgree(*dln::lanes::kFusedKernels[i], single, 5, 5) && differ > shapes.size() / 2,
            std::string(name) + " FMA copy: differs from the baseline kernels (" + std::to_string(differ) + " of " +
                std::to_string(shapes.size()) + " shapes)");
    }
  }
}
#endif

int main() {
#if defined(DLN_TEST_LEVELS)
  dln::cpu::setActive(dln::cpu::Level::Baseline);
  checkCopies();
  // At every CPU level this machine runs: lanes and single runs switch kernels together.
  for (int level = 0; level < dln::cpu::kLevelCount; ++level) {
    if (!dln::cpu::supported(static_cast<dln::cpu::Level>(level))) continue;
    dln::cpu::setActive(static_cast<dln::cpu::Level>(level));
    std::printf("level %s\n", dln::cpu::name(static_cast<dln::cpu::Level>(level)));
    runAll();
    checkShapes();
  }
  // The baseline level with the lanes on each narrower instruction set too (the widest ran above).
  dln::cpu::setActive(dln::cpu::Level::Baseline);
  for (int cap = static_cast<int>(dln::lanes::laneIsa()); cap-- > 0;) {
    dln::lanes::capLaneIsa(static_cast<dln::lanes::Isa>(cap));
    std::printf("level baseline, lanes on %s\n", dln::lanes::isaName(dln::lanes::laneIsa()));
    CHECK(dln::lanes::laneIsa() == static_cast<dln::lanes::Isa>(cap), "the lane instruction set follows the cap");
    runAll();
    checkShapes();
  }
#else
  runAll();
#endif
  return check::done("lanes");
}
