// Matrix completion (Jacot et al. Fig. 1): C(A) = (1/N) sum_i (A[k_i, m_i] - v_i)^2 over N
// observed entries, repeats allowed. Entries are folded into distinct positions with their
// multiplicity and mean target, which gives the value, G = (2/N) M .* (A - mean) and the exact
// unconstrained minimum (the spread of repeated observations).
#pragma once

#include <cstdint>
#include <vector>

#include "losses/loss.hpp"

namespace dln {

struct Entry {
  std::size_t row;
  std::size_t col;
  double value;
};

class CompletionLoss final : public Loss {
 public:
  CompletionLoss(std::size_t rows, std::size_t cols, const std::vector<Entry>& observed,
                 const std::vector<Entry>& test = {});

  LossKind kind() const override { return LossKind::Completion; }
  const char* name() const override { return "matrix-completion"; }

  double valueAndGradient(const double* A, double* grad) const override;
  double value(const double* A) const override;
  void hessianAction(const double* dA, double* dG) const override;
  double testValue(const double* A) const override;
  bool hasTestSet() const override { return !test_.empty(); }
  double minimum() const override { return cMin_; }

  std::size_t observedCount() const { return count_; }
  std::size_t sampleCount() const override { return count_; }
  // c_i(A) = (A[k_i, m_i] - v_i - shift_i)^2 over the observed entries in their given order.
  double batchValueAndGradient(const std::size_t* rows, std::size_t count, const double* shift, const double* A,
                               double* grad) const override;
  void batchHessianAction(const std::size_t* rows, std::size_t count, const double* dA, double* dG) const override;

 private:
  struct Position {
    std::size_t index;  // row * cols + col
    double weight;      // multiplicity / N
    double target;      // mean observed value
  };
  std::vector<Position> positions_;
  std::vector<std::pair<std::size_t, double>> test_;      // (row * cols + col, value)
  std::vector<std::pair<std::size_t, double>> observed_;  // (row * cols + col, value), for mini-batches
  std::size_t count_;
  double cMin_ = 0.0;
};

}  // namespace dln
