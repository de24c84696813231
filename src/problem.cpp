#include "problem.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "error.hpp"

namespace dln {

namespace {
NetworkSpec withDefaultProjection(NetworkSpec spec, const Loss& loss) {
  if (loss.vectorHead() && !spec.hasProjection()) {
    if (spec.outputDim() != 1) {
      fail(ErrorCode::Shape, "projection",
           "univariate regression with d_L = " + std::to_string(spec.outputDim()) + " needs a projection p of length " +
               std::to_string(spec.outputDim()));
    }
    return NetworkSpec(spec.widths(), {1.0});
  }
  return spec;
}
}  // namespace

Problem::Problem(NetworkSpec spec, std::shared_ptr<const Loss> loss, double l2)
    : spec_(withDefaultProjection(std::move(spec), *loss)), loss_(std::move(loss)), l2_(l2) {
  if (!std::isfinite(l2_) || l2_ < 0) fail(ErrorCode::Value, "l2", "must be a finite number >= 0");
  if (loss_->inputDim() != spec_.inputDim()) {
    fail(ErrorCode::Shape, "widths[0]",
         "the data have " + std::to_string(loss_->inputDim()) +
             " input features but d_0 = " + std::to_string(spec_.inputDim()));
  }
  if (loss_->vectorHead()) {
    outputSide_ = true;
    columns_ = 1;
  } else {
    if (spec_.hasProjection()) {
      fail(ErrorCode::Shape, "projection", "a projection applies to univariate regression (y) only");
    }
    if (loss_->outputDim() != spec_.outputDim()) {
      fail(ErrorCode::Shape, "widths[L]",
           "the targets have " + std::to_string(loss_->outputDim()) +
               " outputs but d_L = " + std::to_string(spec_.outputDim()));
    }
    outputSide_ = spec_.outputDim() <= spec_.inputDim();
    columns_ = outputSide_ ? spec_.outputDim() : spec_.inputDim();
  }
}

std::size_t Problem::endToEndSize() const {
  return loss_->vectorHead() ? spec_.inputDim() : spec_.inputDim() * spec_.outputDim();
}

double Problem::lossMinimum() const {
  if (l2_ != 0.0) return std::numeric_limits<double>::quiet_NaN();
  std::size_t bottleneck = spec_.minWidth();
  return loss_->minimumAtRank(bottleneck);
}

}  // namespace dln
