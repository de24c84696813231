#include "gd.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"

namespace dln {

void validate(const GdOptions& o) {
  if (!std::isfinite(o.learningRate) || o.learningRate <= 0) {
    fail(ErrorCode::Value, "learningRate", "must be a finite number > 0");
  }
  if (!(o.gradNormTarget >= 0) || std::isinf(o.gradNormTarget)) {
    fail(ErrorCode::Value, "gradNormTarget", "must be a finite number >= 0");
  }
  if (std::isnan(o.lossTarget)) fail(ErrorCode::Value, "lossTarget", "must be a number");
  if (std::isnan(o.excessLossTarget)) fail(ErrorCode::Value, "excessLossTarget", "must be a number");
  if (!std::isnan(o.lossCeiling) && !(o.lossCeiling > 0)) {
    fail(ErrorCode::Value, "lossCeiling", "must be > 0");
  }
}

GdResult gradientDescent(const Problem& problem, const std::vector<double>& theta0, const GdOptions& options,
                         RunControl& control) {
  validate(options);
  const std::size_t P = problem.spec().paramCount();
  if (theta0.size() != P) {
    fail(ErrorCode::Shape, "weights", "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta0.size()));
  }
  const double lossMin = problem.lossMinimum();
  if (options.excessLossTarget > -std::numeric_limits<double>::infinity() && std::isnan(lossMin)) {
    fail(ErrorCode::Value, "excessLossTarget", "needs a known minimum (no L2 penalty; completion without a bottleneck)");
  }

  GdResult result;
  result.weights = theta0;
  double* theta = result.weights.data();
  Evaluator evaluator(problem);
  auto probes = makeProbes(options.record.empty() ? defaultQuantities(problem) : options.record, problem,
                           options.probeOptions);
  Trace& trace = result.trace;
  const std::size_t stepColumn = trace.declare("step");
  const std::size_t timeColumn = trace.declare("time");
  for (auto& p : probes) p->declare(trace);
  if (options.recordEvery > 0) trace.reserve(std::min<std::uint64_t>(options.maxSteps / options.recordEvery + 2, 1u << 20));
  // Log-spaced recordings: the next one is at step nextLog = ceil(10^(logIndex / m)).
  const double perDecade = static_cast<double>(options.recordPerDecade);
  std::uint64_t logIndex = 0, nextLog = options.recordPerDecade > 0 ? 1 : std::numeric_limits<std::uint64_t>::max();

  const double eta = options.learningRate;
  double ceiling = options.lossCeiling;
  const bool wantGradStop = options.gradNormTarget > 0;
  Progress progress;
  progress.total = options.maxSteps;

  auto stop = [&](RunStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
  };
  for (std::uint64_t t = 0;; ++t) {
    const double loss = evaluator.evaluate(theta);
    if (t == 0 && std::isnan(ceiling)) ceiling = 1e12 * std::max(1.0, std::isfinite(loss) ? loss : 1.0);
    if (!std::isfinite(loss) || loss > ceiling) {
      result.divergedAt = static_cast<std::int64_t>(t);
      stop(RunStatus::Diverged, (std::isfinite(loss) ? "loss exceeded the ceiling at step " : "loss became non-finite at step ") +
                                    std::to_string(t));
      break;
    }
    bool last = t >= options.maxSteps;
    if (loss <= options.lossTarget || loss - lossMin <= options.excessLossTarget) {
      last = true;
      stop(RunStatus::Converged, "loss target reached at step " + std::to_string(t));
    } else if (!last && control.cancelled()) {
      last = true;
      stop(RunStatus::Cancelled, "cancelled at step " + std::to_string(t));
    }
    bool scheduled = t == 0 || (options.recordEvery > 0 && t % options.recordEvery == 0);
    if (t >= nextLog) {
      scheduled = true;
      while (nextLog <= t) nextLog = static_cast<std::uint64_t>(std::ceil(std::pow(10.0, static_cast<double>(++logIndex) / perDecade) - 1e-9));
    }
    if (!last && !scheduled && !wantGradStop) {
      // Nothing needs the gradient before the update: one pass does both (same arithmetic).
      evaluator.completeGradientAndStep(-eta, theta);
    } else {
      evaluator.completeGradient();
      if (!last && wantGradStop && std::sqrt(evaluator.gradNormSquared()) <= options.gradNormTarget) {
        last = true;
        stop(RunStatus::Converged, "gradient-norm target reached at step " + std::to_string(t));
      }
      if (scheduled || last) {
        const double time = eta * static_cast<double>(t);
        trace.push(stepColumn, static_cast<double>(t));
        trace.push(timeColumn, time);
        ProbeContext context{problem, evaluator, theta, theta0.data(), t, time, loss};
        for (auto& p : probes) p->record(context, trace);
      }
      if (last) {
        result.finalLoss = loss;
        result.finalGradNorm = std::sqrt(evaluator.gradNormSquared());
        if (result.status == RunStatus::Completed) result.message = "step budget used";
        break;
      }
      evaluator.step(-eta, theta);
    }
    result.steps = t + 1;
    if ((t & 255) == 0 && control.wantsProgress()) {
      progress.done = result.steps;
      progress.loss = loss;
      control.report(progress);
    }
  }
  if (control.wantsProgress()) {
    progress.done = result.steps;
    progress.loss = result.finalLoss;
    control.report(progress, true);
  }
  return result;
}

}  // namespace dln
