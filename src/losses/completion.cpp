#include "losses/completion.hpp"

#include <algorithm>
#include <map>

#include "error.hpp"

namespace dln {

CompletionLoss::CompletionLoss(std::size_t rows, std::size_t cols, const std::vector<Entry>& observed,
                               const std::vector<Entry>& test)
    : Loss(cols, rows), count_(observed.size()) {
  if (observed.empty()) fail(ErrorCode::Shape, "entries", "expected at least one observed entry");
  std::map<std::size_t, std::pair<double, double>> sums;  // index -> (count, sum)
  for (const Entry& e : observed) {
    auto& s = sums[e.row * cols + e.col];
    s.first += 1.0;
    s.second += e.value;
  }
  const double n = static_cast<double>(observed.size());
  positions_.reserve(sums.size());
  for (const auto& [index, s] : sums) positions_.push_back({index, s.first / n, s.second / s.first});
  double spread = 0.0;
  for (const Entry& e : observed) {
    const auto it = std::lower_bound(positions_.begin(), positions_.end(), e.row * cols + e.col,
                                     [](const Position& p, std::size_t i) { return p.index < i; });
    const double r = e.value - it->target;
    spread += r * r;
  }
  cMin_ = spread / n;
  test_.reserve(test.size());
  for (const Entry& e : test) test_.emplace_back(e.row * cols + e.col, e.value);
  observed_.reserve(observed.size());
  for (const Entry& e : observed) observed_.emplace_back(e.row * cols + e.col, e.value);
}

double CompletionLoss::batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift,
                                             const double* A, double* grad) const {
  std::fill(grad, grad + inputDim() * outputDim(), 0.0);
  const double w = 1.0 / static_cast<double>(count);
  double s = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const auto& [index, value] = observed_[rows[k]];
    const double r = A[index] - (value + (shift ? shift[k] : 0.0));
    s += r * r;
    grad[index] += 2.0 * w * r;
  }
  return s * w;
}

void CompletionLoss::batchHessianAction(const std::size_t* rows, std::size_t count, const double* dA,
                                        double* dG) const {
  std::fill(dG, dG + inputDim() * outputDim(), 0.0);
  const double w = 2.0 / static_cast<double>(count);
  for (std::size_t k = 0; k < count; ++k) dG[observed_[rows[k]].first] += w * dA[observed_[rows[k]].first];
}

double CompletionLoss::valueAndGradient(const double* A, double* grad) const {
  std::fill(grad, grad + inputDim() * outputDim(), 0.0);
  double s = 0.0;
  for (const Position& p : positions_) {
    const double r = A[p.index] - p.target;
    s += p.weight * r * r;
    grad[p.index] = 2.0 * p.weight * r;
  }
  return cMin_ + s;
}

double CompletionLoss::value(const double* A) const {
  double s = 0.0;
  for (const Position& p : positions_) {
    const double r = A[p.index] - p.target;
    s += p.weight * r * r;
  }
  return cMin_ + s;
}

void CompletionLoss::hessianAction(const double* dA, double* dG) const {
  std::fill(dG, dG + inputDim() * outputDim(), 0.0);
  for (const Position& p : positions_) dG[p.index] = 2.0 * p.weight * dA[p.index];
}

double CompletionLoss::testValue(const double* A) const {
  if (test_.empty()) return Loss::testValue(A);
  double s = 0.0;
  for (const auto& [index, target] : test_) {
    const double r = A[index] - target;
    s += r * r;
  }
  return s / static_cast<double>(test_.size());
}

}  // namespace dln
