#include "gd.hpp"

#include <algorithm>
#include <cmath>

#include "driver.hpp"
#include "error.hpp"
#include "optimizers/quantities.hpp"

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
  DivergenceGuard::validate(o.lossCeiling);
  validate(o.optimizer);
}

void validate(const GdOptions& o, const Problem& problem) {
  validate(o);
  RunRecorder::check(problem, o.record, o.probeOptions);
  optimizerSetup(o.optimizer, problem, o.learningRate, o.seed);
}

GdResult gradientDescent(const Problem& problem, const std::vector<double>& theta0, const GdOptions& options,
                         RunControl& control) {
  validate(options);
  if (options.optimizer.kind != "gd" || std::any_of(options.record.begin(), options.record.end(),
                                                    [](const std::string& q) { return isOptimizerQuantity(q); })) {
    return trainWithOptimizer(problem, theta0, options, control);
  }
  const std::size_t P = problem.spec().paramCount();
  if (theta0.size() != P) {
    fail(ErrorCode::Shape, "weights",
         "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta0.size()));
  }
  const double lossMin = problem.lossMinimum();
  if (options.excessLossTarget > -std::numeric_limits<double>::infinity() && std::isnan(lossMin)) {
    fail(ErrorCode::Value, "excessLossTarget",
         "needs a known minimum (no L2 penalty; completion without a bottleneck)");
  }

  GdResult result;
  result.memory.grow(doubleBytes(P, "weights"), "weights");
  result.weights = theta0;
  double* theta = result.weights.data();
  Evaluator evaluator(problem);
  RunPulse pulse(control, options.maxSteps, 256);
  RunRecorder recorder(problem, options.record, options.probeOptions, result.trace, pulse.flag());
  if (options.recordEvery > 0)
    recorder.reserve(std::min<std::uint64_t>(options.maxSteps / options.recordEvery + 2, 1u << 20));
  RecordSchedule schedule(options.recordEvery, options.recordPerDecade);
  DivergenceGuard guard(options.lossCeiling);

  const double eta = options.learningRate;
  const bool wantGradStop = options.gradNormTarget > 0;
  auto stop = [&](RunStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
  };
  double loss = 0.0;
  try {
    for (std::uint64_t t = 0;; ++t) {
      loss = evaluator.evaluate(theta);
      if (t == 0) guard.start(loss);
      if (guard.diverged(loss)) {
        result.divergedAt = static_cast<std::int64_t>(t);
        stop(RunStatus::Diverged,
             (std::isfinite(loss) ? "loss exceeded the ceiling at step " : "loss became non-finite at step ") +
                 std::to_string(t));
        break;
      }
      bool last = t >= options.maxSteps;
      if (loss <= options.lossTarget || loss - lossMin <= options.excessLossTarget) {
        last = true;
        stop(RunStatus::Converged, "loss target reached at step " + std::to_string(t));
      } else if (!last && pulse.cancelled()) {
        last = true;
        stop(RunStatus::Cancelled, "cancelled at step " + std::to_string(t));
      }
      const bool scheduled = schedule.due(t);
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
          ProbeContext context(problem, evaluator, theta, theta0.data(), t, eta * static_cast<double>(t), loss);
          context.learningRate = eta;  // the orbit quantities continue gradient descent (orbit.hpp)
          recorder.row(context);
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
      pulse.beat(result.steps, loss);
    }
  } catch (const Error& e) {
    // Long work inside a row (an eigensolve) saw the cancel flag: the row is dropped, the run
    // ends at this point (evaluated, gradient complete) with the rows recorded so far.
    if (!RunPulse::isCancellation(e)) throw;
    stop(RunStatus::Cancelled, "cancelled at step " + std::to_string(result.steps));
    result.finalLoss = loss;
    result.finalGradNorm = std::sqrt(evaluator.gradNormSquared());
  }
  pulse.finish(result.steps, result.finalLoss);
  result.memory.absorb(recorder.takeReservation());
  return result;
}

}  // namespace dln
