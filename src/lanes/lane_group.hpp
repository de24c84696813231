// The structure-of-arrays state of kLanes gradient-descent runs of one problem, and what the lane
// driver (gd_lanes.cpp) does with it: the step, the gradient's completion, Hessian-vector products
// and the reference code's power iteration, every lane at its own point (docs/algorithms.md §4.8).
//
// Layout: value p of lane k at p * kLanes + k (one Pack per value); the sweep blocks follow
// Evaluator's layout (alpha(l): rows(l) values, then the head block of d_0; beta(l): cols(l)).
//
// Invariant (test/native/lanes_test.cpp): every operation here performs, per lane, exactly the
// floating-point operations of its single-run counterpart in the same order, so a lane's values
// have the bits of the single run's on the same machine and CPU level:
//   evaluate                 Evaluator::evaluate (univariate, no L2)
//   completeGradient         Evaluator::completeGradient
//   completeGradientAndStep  Evaluator::completeGradientAndStep (also after completeGradient: the
//                            rank-one update is Evaluator::step's, the recomputed blocks the same)
//   hvp                      HessianOperator::apply (applyUnivariate, below the BLAS thresholds)
//   powerIteration           powerIteration() of lanczos.cpp, with the start drawn from the same
//                            stream as the single run's PowerProbe (probes.cpp)
// The loss head (valueAndGradient, hessianAction) is called per lane on the lane's own values;
// the lane kernels follow the CPU level of the single-run kernels (lane_table.hpp); the norms of
// the power iteration and the regression head are LaneOps, compiled without contraction at every
// level like lanczos.cpp and regression.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control.hpp"
#include "lanes/lane_table.hpp"
#include "memory.hpp"
#include "problem.hpp"

namespace dln::lanes {

// One value of every lane, aligned for the kernels' kLanes-double vectors.
struct alignas(sizeof(double) * kLanes) Pack {
  double v[kLanes];
  double& operator[](std::size_t k) { return v[k]; }
  double operator[](std::size_t k) const { return v[k]; }
};

// What one lane's power iteration is asked for (the run's probe options and row count).
struct PowerRequest {
  bool want = false;
  std::size_t iterations = 20;
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;  // the single run's PowerProbe stream: 1000000 + its row index
};

class LaneGroup {
 public:
  explicit LaneGroup(const Problem& problem);

  void load(std::size_t k, const double* theta, double eta);
  // An idle lane: zero weights stay exactly zero under the step (every update is a signed zero).
  void clear(std::size_t k);
  void copyOut(std::size_t k, double* theta) const;
  // Lane k's end-to-end vector w (d_0 values) at the evaluated point: Evaluator::endToEnd().
  void head(std::size_t k, double* w) const;

  // The first sweep and the head in every lane; loss[k] is what Evaluator::evaluate returns.
  void evaluate(double* loss);
  // The second sweep (the remaining beta blocks) at the evaluated points, weights unchanged.
  void completeGradient();
  // The second sweep fused with the update theta += -eta * grad, in every lane.
  void completeGradientAndStep();

  // out = H v in every lane, at the evaluated points (gradient complete). The loss head's
  // Hessian action runs for the lanes with want[k] only; the other lanes' outputs are unspecified.
  // With `squares`: also squares[k] = fixed_order_sums.hpp's sumOfSquares of lane k's out (in the
  // output pass where the kernels are the IEEE copies, else by the LaneOp after it).
  void hvp(const Pack* v, Pack* out, const bool* want, Pack* squares = nullptr);

  // The reference code's power iteration (lanczos.cpp, powerIteration) for every lane with
  // request[k].want, at the evaluated points (gradient complete), all lanes' products at once:
  // estimate[k] is the single run's PowerResult::estimate, NaN where the single run's product
  // fails as not finite (PowerProbe records NaN there). `cancel` is polled before every product
  // (ErrorCode::Cancelled).
  void powerIteration(const PowerRequest* request, double* estimate, CancelFlag cancel);

 private:
  const Pack* theta(std::size_t l) const { return theta_.data() + spec_.offset(l); }
  Pack* dAlpha(std::size_t l) { return dAlpha_.data() + alphaOffset_[l]; }
  Pack* dBeta(std::size_t l) { return dBeta_.data() + betaOffset_[l]; }

  const Problem& problem_;
  const NetworkSpec& spec_;
  std::size_t L_, P_;
  std::vector<std::size_t> alphaOffset_, betaOffset_;
  // The shapes and offsets for the chain kernels (LaneKernels::backwardChain/forwardChain).
  std::vector<std::size_t> rows_, cols_, paramOffset_;
  LaneChain chain_;
  std::vector<Pack> theta_, alpha_, beta_;
  Pack scale_;
  std::vector<double> w_, g_;
  const LaneKernels& k_;  // the table of the CPU level in use, fixed for the run
  const LaneOps& ops_;    // the element-wise helpers (no contraction at any level)
  // The regression head in excess form (RegressionLoss::valueAndGradient), all lanes at once:
  // Sigma (d x d), w*, R(w*); null when the loss is another (its head then runs per lane).
  const std::vector<double>* sigma_ = nullptr;
  const std::vector<double>* wStar_ = nullptr;
  double rMin_ = 0.0;
  MemoryReservation memory_;
  // Hessian-vector products and the power iteration, allocated on first use: the products'
  // sweep blocks (as alpha_, beta_; dalpha_{L-1} stays 0), the iterate and its product.
  void reserveProducts();
  // The loss head's Hessian action (dw -> dg) through the loss, lane by lane (the lanes in want).
  void hessianActionPerLane(const Pack* dw, Pack* dg, const bool* want);
  std::vector<Pack> dAlpha_, dBeta_, v_, hv_;
  std::vector<double> start_;
  MemoryReservation productMemory_;
};

}  // namespace dln::lanes
