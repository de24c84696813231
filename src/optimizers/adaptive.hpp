// Adam's moments (Kingma & Ba 2015, with their bias correction), shared by adam (adam.cpp) and
// rmsprop (rmsprop.cpp, beta1 = 0). At step t (k = t + 1), with g = grad R(theta_t):
//   m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2        (m = v = 0 before step 0)
//   theta <- theta - eta (m / (1 - beta1^k)) / (sqrt(v / (1 - beta2^k)) + eps)
// The preconditioner of that step is P = sqrt(v_hat) + eps (diagonal), and the rule's edge on the
// preconditioned sharpness lambda_max(P^{-1} H) is (2 + 2 beta1) / ((1 - beta1) eta) (Cohen et al.
// 2022; docs/algorithms.md §7.3).
#pragma once

#include <cmath>
#include <limits>

#include "optimizers/optimizer.hpp"

namespace dln {

class AdaptiveMoments final : public Optimizer {
 public:
  AdaptiveMoments(const OptimizerSetup& s, double beta1, double beta2, double eps)
      : eta_(s.learningRate), beta1_(beta1), beta2_(beta2), eps_(eps), P_(s.problem.spec().paramCount()),
        buffers_(3, P_, "optimizer") {}
  void step(std::uint64_t t, double* theta, Evaluator& ev) override {
    double* m = buffers_[0];
    double* v = buffers_[1];
    double* g = buffers_[2];
    ev.gradient(g);
    const double k = static_cast<double>(t + 1);
    const double c1 = 1.0 - std::pow(beta1_, k), c2 = 1.0 - std::pow(beta2_, k);
    for (std::size_t i = 0; i < P_; ++i) {
      m[i] = beta1_ * m[i] + (1.0 - beta1_) * g[i];
      v[i] = beta2_ * v[i] + (1.0 - beta2_) * (g[i] * g[i]);
      theta[i] -= eta_ * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps_);
    }
  }
  bool preconditioner(std::uint64_t t, Evaluator& ev, double* p) const override {
    ev.gradient(p);
    const double c2 = 1.0 - std::pow(beta2_, static_cast<double>(t + 1));
    const double* v = buffers_[1];
    for (std::size_t i = 0; i < P_; ++i) {
      const double vi = beta2_ * v[i] + (1.0 - beta2_) * (p[i] * p[i]);
      p[i] = std::sqrt(vi / c2) + eps_;
    }
    return true;
  }
  double momentumNorm(std::uint64_t t, const double*, Evaluator& ev, double* g) const override {
    if (beta1_ == 0.0) return std::numeric_limits<double>::quiet_NaN();
    ev.gradient(g);
    const double c1 = 1.0 - std::pow(beta1_, static_cast<double>(t + 1));
    const double* m = buffers_[0];
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) {
      const double mi = (beta1_ * m[i] + (1.0 - beta1_) * g[i]) / c1;
      s += mi * mi;
    }
    return std::sqrt(s);
  }
  double secondMomentNorm(std::uint64_t t, Evaluator& ev, double* g) const override {
    ev.gradient(g);
    const double c2 = 1.0 - std::pow(beta2_, static_cast<double>(t + 1));
    const double* v = buffers_[1];
    double s = 0.0;
    for (std::size_t i = 0; i < P_; ++i) {
      const double vi = (beta2_ * v[i] + (1.0 - beta2_) * (g[i] * g[i])) / c2;
      s += vi * vi;
    }
    return std::sqrt(s);
  }
  double stabilityEdge(std::uint64_t, Evaluator&) const override {
    return (2.0 + 2.0 * beta1_) / ((1.0 - beta1_) * eta_);
  }

 private:
  double eta_, beta1_, beta2_, eps_;
  std::size_t P_;
  OptimizerBuffers buffers_;
};

}  // namespace dln
