// Mini-batches for the stochastic rules (sgd, label-noise; docs/algorithms.md §7.1).
//
// BatchSampler: the batch of step t is a function of (seed, t) alone, so a run gives the same
// bits whatever the thread count, the sharding of a sweep or where it was resumed.
//   without replacement (default): the samples of every epoch e are a permutation pi_e of
//     0..n-1 (Fisher-Yates from the stream (seed, Batches, {0, e})); the run reads the
//     concatenation pi_0 pi_1 ... in order, b at a time: step t takes positions t b .. t b + b - 1
//     (a batch may straddle two epochs; every epoch uses each sample once).
//   with replacement: b independent uniform draws from the stream (seed, Batches, {1, t}).
// BatchLoss: the loss C_B(A) = (1/|B|) sum_{i in B} c_i(A) on the selected samples (Loss's batch
// members), with optional target shifts (label noise); a Problem over it (same architecture and
// L2) gives the batch's Evaluator and HessianOperator unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "evaluator.hpp"
#include "losses/loss.hpp"
#include "problem.hpp"

namespace dln {

class BatchSampler {
 public:
  BatchSampler(std::size_t samples, std::size_t batchSize, bool replacement, std::uint64_t seed);
  // The samples of step t's batch (batchSize indices, valid until the next call).
  const std::vector<std::size_t>& batch(std::uint64_t t);
  // Every batch is all samples (full batch, without replacement): the full loss's gradient.
  bool full() const { return b_ == n_ && !replacement_; }
  std::size_t samples() const { return n_; }
  std::size_t batchSize() const { return b_; }
  std::uint64_t seed() const { return seed_; }

 private:
  const std::vector<std::size_t>& permutation(std::uint64_t epoch);
  std::size_t n_, b_;
  bool replacement_;
  std::uint64_t seed_;
  std::vector<std::size_t> batch_;
  std::vector<std::size_t> perm_[2];  // two cached epochs (a batch may straddle them)
  std::uint64_t permEpoch_[2] = {~std::uint64_t(0), ~std::uint64_t(0)};
};

class BatchLoss final : public Loss {
 public:
  explicit BatchLoss(std::shared_ptr<const Loss> parent);
  // Selects the samples (and target shifts, count x outputs, or null) the next calls use. The
  // pointers must stay valid while they are used. Not thread-safe: one BatchLoss per run.
  void select(const std::size_t* rows, std::size_t count, const double* shift = nullptr) {
    rows_ = rows;
    count_ = count;
    shift_ = shift;
  }

  LossKind kind() const override { return parent_->kind(); }
  const char* name() const override { return parent_->name(); }
  bool vectorHead() const override { return parent_->vectorHead(); }
  double valueAndGradient(const double* A, double* grad) const override {
    return parent_->batchValueAndGradient(rows_, count_, shift_, A, grad);
  }
  double value(const double* A) const override;
  void hessianAction(const double* dA, double* dG) const override {
    parent_->batchHessianAction(rows_, count_, dA, dG);
  }

 private:
  std::shared_ptr<const Loss> parent_;
  const std::size_t* rows_ = nullptr;
  std::size_t count_ = 0;
  const double* shift_ = nullptr;
};

// The batch loss of a problem with its Problem and Evaluator (one per run).
struct BatchModel {
  explicit BatchModel(const Problem& problem);
  std::shared_ptr<BatchLoss> loss;
  Problem problem;
  Evaluator evaluator;
};

}  // namespace dln

namespace dln {

// The batch size a rule's options ask for: batchSize, 0 meaning all n samples. Checks it against
// the problem (ERR_DLN_VALUE on "optimizer.batchSize").
std::size_t batchSizeOf(const Problem& problem, double batchSize);

// theta <- theta - eta grad R_B(theta) (the batch loss on `rows`, targets shifted by `shift`,
// plus the L2 penalty), with Evaluator::step's arithmetic.
void batchGradientStep(BatchModel& model, const std::vector<std::size_t>& rows, const double* shift, double eta,
                       double* theta);

}  // namespace dln
