#include "lanes/gd_lanes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "driver.hpp"
#include "error.hpp"
#include "evaluator.hpp"
#include "kernels.hpp"
#include "lanes/lane_table.hpp"
#include "optimizers/quantities.hpp"

namespace dln::lanes {

namespace {

// One value of every lane, aligned for the kernels' kLanes-double vectors.
struct alignas(sizeof(double) * kLanes) Pack {
  double v[kLanes];
  double& operator[](std::size_t k) { return v[k]; }
  double operator[](std::size_t k) const { return v[k]; }
};

// One run in a lane: everything gradientDescent() keeps on its stack, per run.
struct Slot {
  std::size_t run = 0;  // index into runs
  bool active = false;
  std::uint64_t t = 0;
  double eta = 0.0;
  double lossMin = 0.0;
  std::unique_ptr<Evaluator> evaluator;  // for recordings: evaluates the lane's copied-out point
  std::unique_ptr<RunRecorder> recorder;
  std::unique_ptr<RecordSchedule> schedule;
  std::unique_ptr<DivergenceGuard> guard;
  std::vector<double> theta;  // the lane's point, copied out when a row or the result needs it
};

// The SoA state of a group and its step. The sweep blocks follow Evaluator's layout (alpha(l):
// rows(l) vectors, then the head block of d_0; beta(l): cols(l) vectors).
class LaneGroup {
 public:
  explicit LaneGroup(const Problem& problem)
      : problem_(problem), spec_(problem.spec()), L_(spec_.depth()), P_(spec_.paramCount()), k_(laneKernels()) {
    std::size_t a = 0, b = 0;
    alphaOffset_.resize(L_ + 1);
    betaOffset_.resize(L_ + 1);
    for (std::size_t l = 0; l < L_; ++l) {
      alphaOffset_[l] = a;
      a += spec_.rows(l);
      betaOffset_[l] = b;
      b += spec_.cols(l);
    }
    alphaOffset_[L_] = a;
    a += spec_.inputDim();
    betaOffset_[L_] = b;
    memory_.grow(
        doubleBytes(checkedMul(checkedAdd(checkedAdd(a, b, "widths"), P_, "widths"), kLanes, "widths"), "widths"),
        "widths");
    theta_.assign(P_, Pack{});
    alpha_.assign(a, Pack{});
    beta_.assign(b, Pack{});
    scale_ = Pack{};
    // alpha_{L-1} = p in every lane (Evaluator's constant end of the output-side sweep).
    const std::vector<double>& p = spec_.projection();
    for (std::size_t i = 0; i < p.size(); ++i)
      for (std::size_t k = 0; k < kLanes; ++k) alpha_[alphaOffset_[L_ - 1] + i][k] = p[i];
    w_.resize(spec_.inputDim());
    g_.resize(spec_.inputDim());
  }

  void load(std::size_t k, const double* theta, double eta) {
    for (std::size_t i = 0; i < P_; ++i) theta_[i][k] = theta[i];
    scale_[k] = -eta;
  }
  // An idle lane: zero weights stay exactly zero under the step (every update is a signed zero).
  void clear(std::size_t k) { load(k, std::vector<double>(P_, 0.0).data(), 0.0); }
  void copyOut(std::size_t k, double* theta) const {
    for (std::size_t i = 0; i < P_; ++i) theta[i] = theta_[i][k];
  }

  // Evaluator::evaluate on the output side with a univariate head, in every lane; loss[k] is the
  // value it returns (data loss + 0.0 penalty).
  void evaluate(double* loss) {
    for (std::size_t l = L_; l-- > 0;) {
      Pack* next = alpha_.data() + (l == 0 ? alphaOffset_[L_] : alphaOffset_[l - 1]);
      k_.transposedTimes(spec_.rows(l), spec_.cols(l), theta_[spec_.offset(l)].v, alpha_[alphaOffset_[l]].v, next->v);
    }
    const Pack* head = alpha_.data() + alphaOffset_[L_];
    Pack* v = beta_.data() + betaOffset_[0];
    const std::size_t d0 = spec_.inputDim();
    for (std::size_t k = 0; k < kLanes; ++k) {
      for (std::size_t i = 0; i < d0; ++i) w_[i] = head[i][k];
      const double dataLoss = problem_.loss().valueAndGradient(w_.data(), g_.data());
      for (std::size_t i = 0; i < d0; ++i) v[i][k] = g_[i];
      const double penalty = 0.0;
      loss[k] = dataLoss + penalty;
    }
  }

  // Evaluator::completeGradientAndStep(-eta, theta) (fused: univariate, no L2) in every lane.
  void completeGradientAndStep() {
    for (std::size_t l = 0; l < L_; ++l) {
      Pack* next = l + 1 < L_ ? beta_.data() + betaOffset_[l + 1] : nullptr;
      k_.timesThenRankOne(spec_.rows(l), spec_.cols(l), beta_[betaOffset_[l]].v, next ? next->v : nullptr, scale_.v,
                          alpha_[alphaOffset_[l]].v, theta_[spec_.offset(l)].v);
    }
  }

 private:
  const Problem& problem_;
  const NetworkSpec& spec_;
  std::size_t L_, P_;
  std::vector<std::size_t> alphaOffset_, betaOffset_;
  std::vector<Pack> theta_, alpha_, beta_;
  Pack scale_;
  std::vector<double> w_, g_;
  const LaneKernels& k_;  // the table of the CPU level in use, fixed for the run
  MemoryReservation memory_;
};

}  // namespace

std::size_t laneWidth() { return kLanes; }

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
  return "";
}

std::vector<GdResult> gradientDescentLanes(const Problem& problem, const std::vector<LaneRun>& runs,
                                           RunControl& control) {
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
    s.theta.assign(P, 0.0);
    s.evaluator = std::make_unique<Evaluator>(problem);
    s.recorder = std::make_unique<RunRecorder>(problem, o.record, o.probeOptions, r.trace, pulse.flag());
    if (o.recordEvery > 0) s.recorder->reserve(std::min<std::uint64_t>(o.maxSteps / o.recordEvery + 2, 1u << 20));
    s.schedule = std::make_unique<RecordSchedule>(o.recordEvery, o.recordPerDecade);
    s.guard = std::make_unique<DivergenceGuard>(o.lossCeiling);
    group.load(k, runs[i].theta0.data(), o.learningRate);
  };
  // Ends lane k's run at its current point (the weights as gradientDescent leaves them).
  auto finish = [&](std::size_t k) {
    Slot& s = slots[k];
    GdResult& r = results[s.run];
    r.weights = s.theta;
    r.memory.absorb(s.recorder->takeReservation());
    s.active = false;
  };

  for (std::size_t k = 0; k < kLanes; ++k) start(k);
  double loss[kLanes];
  bool ended[kLanes];
  for (;;) {
    bool any = false;
    for (std::size_t k = 0; k < kLanes; ++k) any = any || slots[k].active;
    if (!any) break;
    group.evaluate(loss);
    const bool cancelled = pulse.cancelled();
    for (std::size_t k = 0; k < kLanes; ++k) {
      ended[k] = false;
      Slot& s = slots[k];
      if (!s.active) continue;
      // gradientDescent()'s loop body for this lane's step t (gd.cpp), the update excepted.
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
        group.copyOut(k, s.theta.data());
        finish(k);
        ended[k] = true;
        continue;
      }
      bool last = t >= o.maxSteps;
      if (l <= o.lossTarget || l - s.lossMin <= o.excessLossTarget) {
        last = true;
        r.status = RunStatus::Converged;
        r.message = "loss target reached at step " + std::to_string(t);
      } else if (!last && cancelled) {
        last = true;
        r.status = RunStatus::Cancelled;
        r.message = "cancelled at step " + std::to_string(t);
      }
      const bool scheduled = s.schedule->due(t);
      if (scheduled || last) {
        // The row at this point, by the single-run code on a copy of the lane's point.
        group.copyOut(k, s.theta.data());
        Evaluator& ev = *s.evaluator;
        ev.evaluate(s.theta.data());  // bitwise loss[k]: the same operations
        ev.completeGradient();
        try {
          ProbeContext context(problem, ev, s.theta.data(), runs[s.run].theta0.data(), t,
                               s.eta * static_cast<double>(t), l);
          context.learningRate = s.eta;  // as the single-run row: the orbit quantities continue GD
          s.recorder->row(context);
        } catch (const Error& e) {
          if (!RunPulse::isCancellation(e)) throw;
          r.status = RunStatus::Cancelled;
          r.message = "cancelled at step " + std::to_string(t);
          last = true;
        }
        if (last) {
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
    for (std::size_t k = 0; k < kLanes; ++k)
      if (ended[k]) start(k);
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
  return results;
}

}  // namespace dln::lanes
