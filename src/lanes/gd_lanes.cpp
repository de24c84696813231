#include "lanes/gd_lanes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "driver.hpp"
#include "error.hpp"
#include "evaluator.hpp"
#include "kernels.hpp"
#include "lanes/lane_check.hpp"
#include "lanes/lane_group.hpp"
#include "losses/regression.hpp"
#include "optimizers/quantities.hpp"

namespace dln::lanes {

namespace {

// One run in a lane: everything gradientDescent() keeps on its stack, per run.
struct Slot {
  std::size_t run = 0;  // index into runs
  bool active = false;
  std::uint64_t t = 0;
  double eta = 0.0;
  double lossMin = 0.0;
  std::unique_ptr<Evaluator> evaluator;  // evaluates the lane's point copied out into the result's weights
  std::unique_ptr<RunRecorder> recorder;
  std::unique_ptr<RecordSchedule> schedule;
  std::unique_ptr<DivergenceGuard> guard;
  // Every column of the run's rows comes from the lane step (rowsFromLanes): a row that does not
  // end the run needs neither the lane's point nor the scalar evaluation; the recorder then takes
  // sharpnessPower, distance and distanceMean as driver columns (kLaneExtras).
  bool fromLanes = false;
  bool distance = false, distanceMean = false;  // asked for (fromLanes)
  // sharpnessPower is recorded: the recorder takes it as an extra column, filled from the lanes'
  // batched power iteration (LaneGroup::powerIteration) with the single run's stream.
  bool power = false;
  std::uint64_t powerRows = 0;  // rows recorded so far (the single run's PowerProbe count)
};

bool records(const GdOptions& o, const char* name) {
  return std::find(o.record.begin(), o.record.end(), name) != o.record.end();
}

bool recordsPower(const GdOptions& o) { return records(o, "sharpnessPower"); }

// The driver columns of a run whose rows come from the lanes, in the order of RunRecorder::row's
// extras (a column not asked for is not declared, its value ignored).
const std::vector<std::string> kLaneExtras = {"sharpnessPower", "distance", "distanceMean"};

}  // namespace

std::size_t laneWidth() { return kLanes; }

bool rowsFromLanes(const Problem& problem, const GdOptions& o) {
  if (o.record.empty()) return false;  // defaultQuantities: gradNorm and more
  const bool regression = problem.loss().kind() == LossKind::Regression;
  for (const std::string& q : o.record) {
    if (q == "loss" || q == "sharpnessPower") continue;
    if ((q == "distance" || q == "distanceMean") && regression) continue;
    return false;
  }
  return true;
}

std::string laneIneligibility(const Problem& problem, const GdOptions& o) {
  if (o.optimizer.kind != "gd") return "optimizer " + o.optimizer.kind;
  for (const std::string& q : o.record)
    if (isOptimizerQuantity(q)) return "optimizer quantity " + q;
  if (o.gradNormTarget > 0) return "gradNormTarget";
  if (!problem.univariate() || !problem.outputSide()) return "not a univariate head";
  if (problem.l2() != 0.0) return "L2 penalty";
  const NetworkSpec& spec = problem.spec();
  for (std::size_t l = 0; l < spec.depth(); ++l)
    if (spec.rows(l) * spec.cols(l) >= kernels::gemvThreshold()) return "layer at the BLAS threshold";
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    if (!kernelsAgree(spec.rows(l), spec.cols(l))) {
      return "the lane kernels do not round as the single-run kernels at this CPU level for a " +
             std::to_string(spec.rows(l)) + " x " + std::to_string(spec.cols(l)) + " layer";
    }
  }
  return "";
}

std::vector<GdResult> gradientDescentLanes(const Problem& problem, const std::vector<LaneRun>& runs,
                                           RunControl& control, LaneStats* stats) {
  LaneStats counted;
  const std::size_t P = problem.spec().paramCount();
  std::vector<GdResult> results(runs.size());
  std::vector<std::size_t> pending;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    validate(runs[i].options);
    if (runs[i].theta0.size() != P) {
      fail(ErrorCode::Shape, "weights",
           "expected " + std::to_string(P) + " parameters, got " + std::to_string(runs[i].theta0.size()));
    }
    if (runs[i].options.excessLossTarget > -std::numeric_limits<double>::infinity() &&
        std::isnan(problem.lossMinimum())) {
      fail(ErrorCode::Value, "excessLossTarget",
           "needs a known minimum (no L2 penalty; completion without a bottleneck)");
    }
    total += runs[i].options.maxSteps;
  }
  // Runs the lanes do not support take the single-run path first (with the caller's control).
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (laneIneligibility(problem, runs[i].options).empty()) {
      pending.push_back(i);
    } else {
      results[i] = gradientDescent(problem, runs[i].theta0, runs[i].options, control);
    }
  }
  if (pending.empty()) return results;

  LaneGroup group(problem);
  const auto* regression =
      problem.loss().kind() == LossKind::Regression ? static_cast<const RegressionLoss*>(&problem.loss()) : nullptr;
  std::vector<double> head(problem.spec().inputDim());
  Slot slots[kLanes];
  std::size_t next = 0;
  RunPulse pulse(control, total, 256);
  std::uint64_t done = 0;
  double lastLoss = 0.0;

  // Starts runs[pending[next]] in lane k (after the step: the step never sees a fresh lane).
  auto start = [&](std::size_t k) {
    Slot& s = slots[k];
    if (next >= pending.size() || pulse.cancelled()) {
      s.active = false;
      s.evaluator.reset();
      s.recorder.reset();
      group.clear(k);
      return;
    }
    const std::size_t i = pending[next++];
    const GdOptions& o = runs[i].options;
    GdResult& r = results[i];
    r.memory.grow(doubleBytes(P, "weights"), "weights");
    r.weights = runs[i].theta0;
    s.run = i;
    s.active = true;
    s.t = 0;
    s.eta = o.learningRate;
    s.lossMin = problem.lossMinimum();
    s.evaluator = std::make_unique<Evaluator>(problem);
    s.fromLanes = rowsFromLanes(problem, o);
    s.distance = s.fromLanes && records(o, "distance");
    s.distanceMean = s.fromLanes && records(o, "distanceMean");
    s.power = recordsPower(o);
    s.powerRows = 0;
    s.recorder = std::make_unique<RunRecorder>(problem, o.record, o.probeOptions, r.trace, pulse.flag(),
                                               s.fromLanes ? kLaneExtras
                                               : s.power   ? std::vector<std::string>{"sharpnessPower"}
                                                           : std::vector<std::string>{});
    if (o.recordEvery > 0) s.recorder->reserve(std::min<std::uint64_t>(o.maxSteps / o.recordEvery + 2, 1u << 20));
    s.schedule = std::make_unique<RecordSchedule>(o.recordEvery, o.recordPerDecade);
    s.guard = std::make_unique<DivergenceGuard>(o.lossCeiling);
    group.load(k, runs[i].theta0.data(), o.learningRate);
  };
  // Ends lane k's run (its point copied out into the result's weights before: the weights as
  // gradientDescent leaves them).
  auto finish = [&](std::size_t k) {
    Slot& s = slots[k];
    GdResult& r = results[s.run];
    r.memory.absorb(s.recorder->takeReservation());
    s.active = false;
  };

  // Whether a free lane takes the next pending run now. A run recording sharpnessPower every e
  // steps waits (its lane idle, at most e - 1 steps) until its rows fall on the steps where another
  // lane recording it every e steps has its rows: the batched power iteration costs the same for
  // one lane as for all, and lanes out of phase (a run refilling the lane of one that diverged)
  // would each pay it. Which lane runs a run when changes no bit of its result.
  auto startsNow = [&]() {
    if (next >= pending.size() || pulse.cancelled()) return true;
    const GdOptions& o = runs[pending[next]].options;
    if (!recordsPower(o) || o.recordEvery == 0) return true;
    bool others = false;
    for (std::size_t j = 0; j < kLanes; ++j) {
      const Slot& s = slots[j];
      if (!s.active || !s.power || runs[s.run].options.recordEvery != o.recordEvery) continue;
      if (s.t % o.recordEvery == 0) return true;  // its next step is a row: start in phase with it
      others = true;
    }
    return !others;
  };
  bool waiting[kLanes] = {};

  for (std::size_t k = 0; k < kLanes; ++k) start(k);
  double loss[kLanes], power[kLanes];
  bool ended[kLanes], row[kLanes], last[kLanes], rowCancelled[kLanes];
  PowerRequest request[kLanes];
  for (;;) {
    bool any = false;
    for (std::size_t k = 0; k < kLanes; ++k) any = any || slots[k].active || waiting[k];
    if (!any) break;
    ++counted.groupSteps;
    for (std::size_t k = 0; k < kLanes; ++k) counted.waitingLaneSteps += waiting[k];
    group.evaluate(loss);
    const bool cancelled = pulse.cancelled();
    bool anyPower = false;
    // gradientDescent()'s loop body (src/optimizers/train.cpp) for each lane's step t: divergence, targets and
    // cancellation, then which lanes record a row here.
    for (std::size_t k = 0; k < kLanes; ++k) {
      ended[k] = row[k] = last[k] = rowCancelled[k] = false;
      request[k].want = false;
      Slot& s = slots[k];
      if (!s.active) continue;
      const GdOptions& o = runs[s.run].options;
      GdResult& r = results[s.run];
      const std::uint64_t t = s.t;
      const double l = loss[k];
      if (t == 0) s.guard->start(l);
      if (s.guard->diverged(l)) {
        r.divergedAt = static_cast<std::int64_t>(t);
        r.status = RunStatus::Diverged;
        r.message = (std::isfinite(l) ? "loss exceeded the ceiling at step " : "loss became non-finite at step ") +
                    std::to_string(t);
        group.copyOut(k, r.weights.data());
        finish(k);
        ended[k] = true;
        continue;
      }
      last[k] = t >= o.maxSteps;
      if (l <= o.lossTarget || l - s.lossMin <= o.excessLossTarget) {
        last[k] = true;
        r.status = RunStatus::Converged;
        r.message = "loss target reached at step " + std::to_string(t);
      } else if (!last[k] && cancelled) {
        last[k] = true;
        r.status = RunStatus::Cancelled;
        r.message = "cancelled at step " + std::to_string(t);
      }
      row[k] = s.schedule->due(t) || last[k];
      if (row[k] && s.power) {
        request[k] = {true, o.probeOptions.sharpness.powerIterations, o.probeOptions.sharpness.seed,
                      1000000 + s.powerRows};
        anyPower = true;
      }
    }
    // The power iterations of every lane recording sharpnessPower here, batched: the lanes'
    // gradients completed first (as the single run completes its gradient before a row).
    if (anyPower) {
      ++counted.powerIterations;
      group.completeGradient();
      try {
        group.powerIteration(request, power, pulse.flag());
      } catch (const Error& e) {
        if (!RunPulse::isCancellation(e)) throw;
        for (std::size_t k = 0; k < kLanes; ++k) rowCancelled[k] = request[k].want;
      }
    }
    for (std::size_t k = 0; k < kLanes; ++k) {
      Slot& s = slots[k];
      if (!s.active || ended[k]) continue;
      GdResult& r = results[s.run];
      const std::uint64_t t = s.t;
      const double l = loss[k];
      if (row[k]) {
        // The row at this point by the single-run code: on the lane's point copied out and
        // evaluated by the scalar Evaluator (bitwise loss[k]: the same operations) where a column,
        // the final gradient norm or the weights need it; else from the lane's values alone.
        Evaluator& ev = *s.evaluator;
        bool evaluated = false;
        auto evaluateScalar = [&] {
          if (evaluated) return;
          group.copyOut(k, r.weights.data());
          ev.evaluate(r.weights.data());
          ev.completeGradient();
          evaluated = true;
        };
        if (!s.fromLanes || last[k] || rowCancelled[k]) evaluateScalar();
        try {
          if (rowCancelled[k]) throw Error(ErrorCode::Cancelled, "", "cancelled");
          // Unevaluated (fromLanes), ev and the weights are not read by the row's columns.
          ProbeContext context(problem, ev, r.weights.data(), runs[s.run].theta0.data(), t,
                               s.eta * static_cast<double>(t), l);
          context.learningRate = s.eta;  // as the single-run row: the orbit quantities continue GD
          if (s.fromLanes) {
            // The distance probes' values (probes.cpp: scale * squaredDistance(endToEnd)) from the
            // lane's end-to-end vector, which is the Evaluator's endToEnd() bit for bit.
            double distance = 0.0, distanceMean = 0.0;
            if (s.distance || s.distanceMean) {
              group.head(k, head.data());
              const double d = regression->squaredDistance(head.data());
              distance = 1.0 * d;
              distanceMean = 1.0 / static_cast<double>(head.size()) * d;
            }
            s.recorder->row(context, {s.power ? power[k] : 0.0, distance, distanceMean});
            if (s.power) ++s.powerRows;
          } else if (s.power) {
            s.recorder->row(context, {power[k]});
            ++s.powerRows;
          } else {
            s.recorder->row(context);
          }
        } catch (const Error& e) {
          if (!RunPulse::isCancellation(e)) throw;
          r.status = RunStatus::Cancelled;
          r.message = "cancelled at step " + std::to_string(t);
          last[k] = true;
        }
        if (last[k]) {
          evaluateScalar();
          r.finalLoss = l;
          r.finalGradNorm = std::sqrt(ev.gradNormSquared());
          if (r.status == RunStatus::Completed) r.message = "step budget used";
          finish(k);
          ended[k] = true;
          continue;
        }
      }
      r.steps = t + 1;
      s.t = t + 1;
      ++done;
      lastLoss = l;
    }
    // The update of every lane (finished lanes' updates are discarded by start() below).
    group.completeGradientAndStep();
    for (std::size_t k = 0; k < kLanes; ++k) {
      if (!ended[k] && !waiting[k]) continue;
      waiting[k] = !startsNow();
      if (!waiting[k]) {
        start(k);
      } else if (ended[k]) {
        group.clear(k);  // idle while it waits (a diverged lane's values would only grow)
      }
    }
    pulse.beat(done, lastLoss);
  }
  // Cancelled: runs never started end where they began.
  for (; next < pending.size(); ++next) {
    GdResult& r = results[pending[next]];
    r.status = RunStatus::Cancelled;
    r.message = "cancelled at step 0";
    r.weights = runs[pending[next]].theta0;
  }
  pulse.finish(done, lastLoss);
  if (stats) *stats = counted;
  return results;
}

}  // namespace dln::lanes
