#include "optimizers/batch.hpp"

#include <numeric>

#include "rng.hpp"

namespace dln {

BatchSampler::BatchSampler(std::size_t samples, std::size_t batchSize, bool replacement, std::uint64_t seed)
    : n_(samples), b_(batchSize), replacement_(replacement), seed_(seed), batch_(batchSize) {}

const std::vector<std::size_t>& BatchSampler::permutation(std::uint64_t epoch) {
  for (int k = 0; k < 2; ++k) {
    if (permEpoch_[k] == epoch) return perm_[k];
  }
  // Replace the older epoch (the lower number: epochs are read in increasing order).
  const int k =
      permEpoch_[0] == ~std::uint64_t(0) || (permEpoch_[1] != ~std::uint64_t(0) && permEpoch_[0] < permEpoch_[1]) ? 0
                                                                                                                  : 1;
  std::vector<std::size_t>& p = perm_[k];
  p.resize(n_);
  std::iota(p.begin(), p.end(), std::size_t(0));
  Rng rng(seed_, Purpose::Batches, {0, epoch});
  for (std::size_t i = n_; i-- > 1;) std::swap(p[i], p[rng.below(i + 1)]);
  permEpoch_[k] = epoch;
  return p;
}

const std::vector<std::size_t>& BatchSampler::batch(std::uint64_t t) {
  if (replacement_) {
    Rng rng(seed_, Purpose::Batches, {1, t});
    for (std::size_t j = 0; j < b_; ++j) batch_[j] = rng.below(n_);
    return batch_;
  }
  std::uint64_t position = t * b_;
  for (std::size_t j = 0; j < b_; ++j, ++position) batch_[j] = permutation(position / n_)[position % n_];
  return batch_;
}

BatchLoss::BatchLoss(std::shared_ptr<const Loss> parent)
    : Loss(parent->inputDim(), parent->outputDim()), parent_(std::move(parent)) {}

double BatchLoss::value(const double* A) const {
  std::vector<double> grad(inputDim() * outputDim());
  return valueAndGradient(A, grad.data());
}

BatchModel::BatchModel(const Problem& p)
    : loss(std::make_shared<BatchLoss>(p.lossPtr())), problem(p.spec(), loss, p.l2()), evaluator(problem) {}

}  // namespace dln

#include "error.hpp"

namespace dln {

std::size_t batchSizeOf(const Problem& problem, double batchSize) {
  const std::size_t n = problem.loss().sampleCount();
  if (n == 0)
    fail(ErrorCode::Value, "optimizer.batchSize",
         std::string("the ") + problem.loss().name() + " loss has no samples to batch");
  if (batchSize > static_cast<double>(n)) {
    fail(ErrorCode::Value, "optimizer.batchSize",
         "must be at most the number of samples n = " + std::to_string(n) + ", got " +
             std::to_string(static_cast<std::uint64_t>(batchSize)));
  }
  return batchSize == 0 ? n : static_cast<std::size_t>(batchSize);
}

void batchGradientStep(BatchModel& model, const std::vector<std::size_t>& rows, const double* shift, double eta,
                       double* theta) {
  model.loss->select(rows.data(), rows.size(), shift);
  model.evaluator.evaluate(theta);
  model.evaluator.completeGradient();
  model.evaluator.step(-eta, theta);
}

}  // namespace dln
