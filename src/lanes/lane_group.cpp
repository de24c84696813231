#include "lanes/lane_group.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.hpp"
#include "fixed_order_sums.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "lanes/lane_normals.hpp"
#include "losses/regression.hpp"
#include "rng.hpp"

namespace dln::lanes {

LaneGroup::LaneGroup(const Problem& problem)
    : problem_(problem), spec_(problem.spec()), L_(spec_.depth()), P_(spec_.paramCount()), k_(laneKernels()),
      ops_(laneOps()) {
  std::size_t a = 0, b = 0;
  alphaOffset_.resize(L_ + 1);
  betaOffset_.resize(L_ + 1);
  for (std::size_t l = 0; l < L_; ++l) {
    alphaOffset_[l] = a;
    a += spec_.rows(l);
    betaOffset_[l] = b;
    b += spec_.cols(l);
  }
  alphaOffset_[L_] = a;
  a += spec_.inputDim();
  betaOffset_[L_] = b;
  for (std::size_t l = 0; l < L_; ++l) {
    rows_.push_back(spec_.rows(l));
    cols_.push_back(spec_.cols(l));
  }
  for (std::size_t l = 0; l <= L_; ++l) paramOffset_.push_back(spec_.offset(l));
  chain_ = {L_, rows_.data(), cols_.data(), paramOffset_.data(), alphaOffset_.data(), betaOffset_.data()};
  memory_.grow(
      doubleBytes(checkedMul(checkedAdd(checkedAdd(a, b, "widths"), P_, "widths"), kLanes, "widths"), "widths"),
      "widths");
  theta_.assign(P_, Pack{});
  alpha_.assign(a, Pack{});
  beta_.assign(b, Pack{});
  scale_ = Pack{};
  // alpha_{L-1} = p in every lane (Evaluator's constant end of the output-side sweep).
  const std::vector<double>& p = spec_.projection();
  for (std::size_t i = 0; i < p.size(); ++i)
    for (std::size_t k = 0; k < kLanes; ++k) alpha_[alphaOffset_[L_ - 1] + i][k] = p[i];
  w_.resize(spec_.inputDim());
  g_.resize(spec_.inputDim());
  if (problem.loss().kind() == LossKind::Regression) {
    const auto& regression = static_cast<const RegressionLoss&>(problem.loss());
    if (!regression.fromResiduals() && regression.sigma().size() == spec_.inputDim() * spec_.inputDim()) {
      sigma_ = &regression.sigma();
      wStar_ = &regression.wStar();
      rMin_ = regression.minimum();
    }
  }
}

void LaneGroup::load(std::size_t k, const double* theta, double eta) {
  for (std::size_t i = 0; i < P_; ++i) theta_[i][k] = theta[i];
  scale_[k] = -eta;
}

void LaneGroup::clear(std::size_t k) { load(k, std::vector<double>(P_, 0.0).data(), 0.0); }

void LaneGroup::copyOut(std::size_t k, double* theta) const {
  for (std::size_t i = 0; i < P_; ++i) theta[i] = theta_[i][k];
}

void LaneGroup::head(std::size_t k, double* w) const {
  const Pack* h = alpha_.data() + alphaOffset_[L_];
  for (std::size_t i = 0; i < spec_.inputDim(); ++i) w[i] = h[i][k];
}

void LaneGroup::evaluate(double* loss) {
  for (std::size_t l = L_; l-- > 0;) {
    Pack* next = alpha_.data() + (l == 0 ? alphaOffset_[L_] : alphaOffset_[l - 1]);
    k_.transposedTimes(spec_.rows(l), spec_.cols(l), theta(l)->v, alpha_[alphaOffset_[l]].v, next->v);
  }
  const Pack* head = alpha_.data() + alphaOffset_[L_];
  Pack* v = beta_.data() + betaOffset_[0];
  const std::size_t d0 = spec_.inputDim();
  if (sigma_) {
    // RegressionLoss::valueAndGradient's excess form, element-wise over the lanes (LaneOps).
    Pack out;
    ops_.regressionHead(d0, sigma_->data(), wStar_->data(), rMin_, head->v, v->v, out.v);
    for (std::size_t k = 0; k < kLanes; ++k) loss[k] = out[k];
    return;
  }
  for (std::size_t k = 0; k < kLanes; ++k) {
    for (std::size_t i = 0; i < d0; ++i) w_[i] = head[i][k];
    const double dataLoss = problem_.loss().valueAndGradient(w_.data(), g_.data());
    for (std::size_t i = 0; i < d0; ++i) v[i][k] = g_[i];
    const double penalty = 0.0;
    loss[k] = dataLoss + penalty;
  }
}

void LaneGroup::completeGradient() {
  for (std::size_t l = 0; l + 1 < L_; ++l)
    k_.times(spec_.rows(l), spec_.cols(l), theta(l)->v, beta_[betaOffset_[l]].v, beta_[betaOffset_[l + 1]].v);
}

void LaneGroup::completeGradientAndStep() {
  for (std::size_t l = 0; l < L_; ++l) {
    Pack* next = l + 1 < L_ ? beta_.data() + betaOffset_[l + 1] : nullptr;
    k_.timesThenRankOne(spec_.rows(l), spec_.cols(l), beta_[betaOffset_[l]].v, next ? next->v : nullptr, scale_.v,
                        alpha_[alphaOffset_[l]].v, theta_[spec_.offset(l)].v);
  }
}

void LaneGroup::reserveProducts() {
  if (!v_.empty()) return;
  const std::size_t a = alpha_.size(), b = beta_.size();
  productMemory_.grow(
      doubleBytes(checkedMul(checkedAdd(checkedAdd(a, b, "widths"), 2 * P_, "widths"), kLanes + 1, "widths"), "widths"),
      "widths");
  dAlpha_.assign(a, Pack{});
  dBeta_.assign(b, Pack{});
  v_.assign(P_, Pack{});
  hv_.assign(P_, Pack{});
  start_.assign(P_, 0.0);
}

void LaneGroup::hvp(const Pack* v, Pack* out, const bool* want, Pack* squares) {
  reserveProducts();
  // HessianOperator::applyUnivariate: da_{l-1} = W_l^T da_l + V_l^T a_l from da_{L-1} = 0 (the
  // last layer's x is null), dw = da_{-1}; db_0 = C''[dw]; then per layer db_{l+1} = W_l db_l +
  // V_l b_l and (H v)_l = da_l b_l^T + a_l db_l^T in one pass. The IEEE copies run each sweep in
  // one call (the chain kernels: the same kernels in the same order).
  const bool chained = k_.backwardChain && k_.forwardChain;
  if (chained) {
    k_.backwardChain(chain_, theta_.data()->v, v->v, alpha_.data()->v, dAlpha_.data()->v);
  } else {
    for (std::size_t l = L_; l-- > 0;) {
      const Pack* x = l + 1 == L_ ? nullptr : dAlpha(l);
      Pack* next = l == 0 ? dAlpha(L_) : dAlpha(l - 1);
      k_.backwardFused(spec_.rows(l), spec_.cols(l), theta(l)->v, x ? x->v : nullptr, v[spec_.offset(l)].v,
                       alpha_[alphaOffset_[l]].v, next->v);
    }
  }
  const std::size_t d0 = spec_.inputDim();
  const Pack* dw = dAlpha(L_);
  Pack* dg = dBeta(0);
  if (sigma_ && cpu::active() == cpu::Level::Baseline) {
    // RegressionLoss::hessianAction, dg_i = 2 (Sigma_i . dw) with kernels::dot's sequential sum from
    // 0.0, element-wise over the lanes (LaneOps). Only at baseline: at the wider levels kernels::dot
    // is compiled with FMA contraction and LaneOps are not, so the lanes call the loss there.
    ops_.regressionHessian(d0, sigma_->data(), dw->v, dg->v);
  } else {
    hessianActionPerLane(dw, dg, want);
  }
  if (chained) {
    k_.forwardChain(chain_, theta_.data()->v, v->v, beta_.data()->v, alpha_.data()->v, dAlpha_.data()->v,
                    dBeta_.data()->v, out->v, squares ? squares->v : nullptr);
    return;
  }
  for (std::size_t l = 0; l < L_; ++l) {
    Pack* next = l + 1 < L_ ? dBeta(l + 1) : nullptr;
    k_.forwardAndOutput(spec_.rows(l), spec_.cols(l), theta(l)->v, v[spec_.offset(l)].v, dBeta(l)->v,
                        beta_[betaOffset_[l]].v, next ? next->v : nullptr, dAlpha(l)->v, alpha_[alphaOffset_[l]].v,
                        out[spec_.offset(l)].v);
  }
  if (squares) ops_.sumOfSquares(P_, out->v, squares->v);
}

void LaneGroup::hessianActionPerLane(const Pack* dw, Pack* dg, const bool* want) {
  const std::size_t d0 = spec_.inputDim();
  for (std::size_t k = 0; k < kLanes; ++k) {
    if (!want[k]) continue;
    for (std::size_t i = 0; i < d0; ++i) w_[i] = dw[i][k];
    problem_.loss().hessianAction(w_.data(), g_.data());
    for (std::size_t i = 0; i < d0; ++i) dg[i][k] = g_[i];
  }
}

void LaneGroup::powerIteration(const PowerRequest* request, double* estimate, CancelFlag cancel) {
  reserveProducts();
  const std::size_t n = P_;
  // Per lane, as powerIteration() keeps them: the estimate, the norm of the last product over the
  // iterate's norm, the iterate's norm, and whether the lane still iterates.
  double current[kLanes], vNorm[kLanes];
  bool active[kLanes], want[kLanes];
  std::uint64_t keys[kLanes];
  std::size_t iterations = 0;
  for (std::size_t k = 0; k < kLanes; ++k) {
    want[k] = active[k] = request[k].want;
    estimate[k] = 0.0;
    current[k] = 1.0;  // the reference code starts from new_eigv = 1.0
    vNorm[k] = 1.0;
    if (!want[k]) continue;
    if (request[k].iterations < 1) fail(ErrorCode::Value, "powerIterations", "must be >= 1");
    iterations = std::max(iterations, request[k].iterations);
    keys[k] = streamKey(request[k].seed, Purpose::Eigensolver, {request[k].stream, 1});
  }
  // The starts: the single runs' normal draws, all lanes at once (lane_normals.hpp), normalized
  // (v[i] *= 1 / ||v||, the norm in the single run's order).
  drawNormals(keys, want, n, v_.data()->v);
  Pack startSquares, inv0;
  ops_.sumOfSquares(n, v_.data()->v, startSquares.v);
  for (std::size_t k = 0; k < kLanes; ++k) inv0[k] = want[k] ? 1.0 / std::sqrt(startSquares[k]) : 1.0;
  ops_.scale(n, inv0.v, v_.data()->v);  // x * 1.0 == x: the other lanes keep their bits
  Pack* v = v_.data();
  Pack* hv = hv_.data();
  for (std::size_t it = 0; it < iterations; ++it) {
    cancel.check();
    for (std::size_t k = 0; k < kLanes; ++k)
      if (active[k]) estimate[k] = current[k];
    Pack squares;
    hvp(v, hv, active, &squares);
    Pack rescale;
    bool anyRescale = false;
    for (std::size_t k = 0; k < kLanes; ++k) {
      rescale[k] = 1.0;  // x * 1.0 == x: the lanes not rescaled keep their bits
      if (!active[k]) continue;
      const double hvNorm = std::sqrt(squares[k]);
      current[k] = hvNorm / vNorm[k];
      if (!(current[k] > 0) || !std::isfinite(current[k])) {
        // H v = 0: the estimate is 0 from here on; a product that is not finite: the single run
        // fails on "weights" and its probe records NaN.
        if (current[k] == 0.0) {
          estimate[k] = it + 1 < request[k].iterations ? 0.0 : estimate[k];
        } else {
          estimate[k] = std::numeric_limits<double>::quiet_NaN();
        }
        active[k] = false;
        continue;
      }
      vNorm[k] = hvNorm;
      if (!(vNorm[k] < 1e100 && vNorm[k] > 1e-100)) {
        rescale[k] = 1.0 / vNorm[k];
        vNorm[k] = 1.0;
        anyRescale = true;
      }
      if (it + 1 == request[k].iterations) active[k] = false;  // its last product
    }
    std::swap(v, hv);
    if (anyRescale) ops_.scale(n, rescale.v, v->v);
  }
  for (std::size_t k = 0; k < kLanes; ++k)
    if (!want[k]) estimate[k] = std::numeric_limits<double>::quiet_NaN();
}

}  // namespace dln::lanes
