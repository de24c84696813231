// Gradient descent's options: their checks. The run is the training driver's (optimizers/train.cpp),
// plain gradient descent being its rule gd.
#include "gd.hpp"

#include <cmath>

#include "driver.hpp"
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
  DivergenceGuard::validate(o.lossCeiling);
  validate(o.optimizer);
}

void validate(const GdOptions& o, const Problem& problem) {
  validate(o);
  RunRecorder::check(problem, o.record, o.probeOptions);
  optimizerSetup(o.optimizer, problem, o.learningRate, o.seed);
}

}  // namespace dln
