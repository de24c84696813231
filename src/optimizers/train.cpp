// The training driver: gradient descent's loop with the update delegated to the rule
// (optimizer.hpp; plain gradient descent is the rule gd). Every step evaluates the full loss at
// theta (divergence, stops and rows see the full loss whatever the rule's own evaluations),
// completes its gradient, records with ProbeContext::optimizer set, then calls rule.step(). For
// plain gradient descent (Optimizer::plainLearningRate) on a step where nothing reads the gradient
// before the update (no row, no gradient-norm stop, not the last), completing the gradient and the
// step are one pass over the weights (Evaluator::completeGradientAndStep, bitwise the same as
// completeGradient then step): the step costs what a loop written for GD alone costs.
#include <algorithm>
#include <cmath>

#include "driver.hpp"
#include "error.hpp"
#include "gd.hpp"

namespace dln {

GdResult gradientDescent(const Problem& problem, const std::vector<double>& theta0, const GdOptions& options,
                         RunControl& control) {
  validate(options);
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
  std::unique_ptr<Optimizer> rule = makeOptimizer(options.optimizer, problem, options.learningRate, options.seed);
  // NaN unless the rule is plain gradient descent.
  const double plainEta = rule->plainLearningRate();
  const bool plain = !std::isnan(plainEta);
  Evaluator evaluator(problem);
  RunPulse pulse(control, options.maxSteps, plain ? 256 : 64);
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
      if (plain && !last && !scheduled && !wantGradStop) {
        evaluator.completeGradientAndStep(-plainEta, theta);
      } else {
        evaluator.completeGradient();
        if (!last && wantGradStop && std::sqrt(evaluator.gradNormSquared()) <= options.gradNormTarget) {
          last = true;
          stop(RunStatus::Converged, "gradient-norm target reached at step " + std::to_string(t));
        }
        if (scheduled || last) {
          ProbeContext context(problem, evaluator, theta, theta0.data(), t, eta * static_cast<double>(t), loss);
          context.optimizer = rule.get();
          context.learningRate = plainEta;  // the orbit quantities continue plain gradient descent (orbit.hpp)
          recorder.row(context);
        }
        if (last) {
          result.finalLoss = loss;
          result.finalGradNorm = std::sqrt(evaluator.gradNormSquared());
          if (result.status == RunStatus::Completed) result.message = "step budget used";
          break;
        }
        rule->step(t, theta, evaluator);
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
