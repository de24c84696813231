#include "network.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.hpp"
#include "memory.hpp"

namespace dln {

NetworkSpec::NetworkSpec(std::vector<std::size_t> widths, std::vector<double> projection)
    : widths_(std::move(widths)), projection_(std::move(projection)) {
  if (widths_.size() < 2) {
    fail(ErrorCode::Shape, "widths",
         "expected at least two widths [d_0, ..., d_L] (depth L >= 1), got " + std::to_string(widths_.size()));
  }
  for (std::size_t k = 0; k < widths_.size(); ++k) {
    if (widths_[k] == 0) {
      fail(ErrorCode::Value, "widths[" + std::to_string(k) + "]", "every width must be >= 1");
    }
  }
  offsets_.assign(widths_.size(), 0);
  std::size_t total = 0;
  for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
    offsets_[l] = total;
    total = checkedAdd(total, checkedMul(widths_[l + 1], widths_[l], "widths"), "widths");
  }
  offsets_.back() = total;
  requireDoubles(total, "widths");
  maxWidth_ = *std::max_element(widths_.begin(), widths_.end());
  minWidth_ = *std::min_element(widths_.begin(), widths_.end());
  if (!projection_.empty()) {
    if (projection_.size() != widths_.back()) {
      fail(ErrorCode::Shape, "projection",
           "expected length d_L = " + std::to_string(widths_.back()) + ", got " + std::to_string(projection_.size()));
    }
    for (std::size_t i = 0; i < projection_.size(); ++i) {
      if (!std::isfinite(projection_[i])) {
        fail(ErrorCode::Value, "projection[" + std::to_string(i) + "]", "must be finite");
      }
    }
    if (projectionNorm() == 0.0) fail(ErrorCode::Value, "projection", "must not be the zero vector");
  }
}

double NetworkSpec::projectionNorm() const {
  double s = 0;
  for (double v : projection_) s += v * v;
  return std::sqrt(s);
}

bool NetworkSpec::isSquare() const {
  return std::all_of(widths_.begin(), widths_.end(), [&](std::size_t w) { return w == widths_.front(); });
}

}  // namespace dln
