// A training problem: the architecture, the loss head and the L2 weight. Immutable once built,
// so one Problem is shared by every run of a sweep, across threads.
#pragma once

#include <memory>

#include "losses/loss.hpp"
#include "network.hpp"

namespace dln {

class Problem {
 public:
  // Checks that the head fits the architecture: univariate regression needs a projection of
  // length d_L (p = [1] is supplied when d_L = 1); matrix heads need A of shape d_L x d_0.
  Problem(NetworkSpec spec, std::shared_ptr<const Loss> loss, double l2 = 0.0);

  const NetworkSpec& spec() const { return spec_; }
  const Loss& loss() const { return *loss_; }
  std::shared_ptr<const Loss> lossPtr() const { return loss_; }
  double l2() const { return l2_; }
  bool univariate() const { return loss_->vectorHead(); }

  // Sweeps carry r columns from the cheaper side: the output side (suffix products, data-free)
  // when d_L <= d_0 or the head is univariate, else the input side (prefix products).
  bool outputSide() const { return outputSide_; }
  std::size_t columns() const { return columns_; }

  // Size of the end-to-end argument of the head: d_0 (univariate) or d_L * d_0.
  std::size_t endToEndSize() const;

  // min of the data loss over the maps this architecture can represent (rank <= min width);
  // NaN when unknown (rank-constrained completion) or when an L2 penalty changes the problem.
  double lossMinimum() const;

 private:
  NetworkSpec spec_;
  std::shared_ptr<const Loss> loss_;
  double l2_;
  bool outputSide_;
  std::size_t columns_;
};

}  // namespace dln
