// Exact third derivatives of the training loss: D^3R(W)[u, v, .], the gradient with respect to W
// of u^T H(W) v, by differentiating the Hessian-vector-product sweeps (hessian.hpp) once more
// along a second direction (docs/third-derivatives.md has the derivation).
//
// Every head C(A) here is quadratic in A (regression, MSE, completion), so C''' = 0 and all the
// third-order structure comes from the chain A = W_L ... W_1. With the Evaluator's blocks
// (alpha_l, beta_l) at W, a *tangent* along u is the HVP's pair of first-order sweeps
//   output side:  da_{L-1} = 0,  da_{l-1} = W_l^T da_l + u_l^T a_l,  dA from da_{-1},
//                 db_0 = C''[dA]^T,  db_{l+1} = W_l db_l + u_l b_l
//   input side:   db_0 = 0,  db_{l+1} = W_l db_l + u_l b_l,  dA = db_L,
//                 da_{L-1} = C''[dA],  da_{l-1} = W_l^T da_l + u_l^T a_l
// (H u = da b^T + a db^T + 2 l2 u). Differentiating the tangent along u once more along v gives
// the mixed second-order blocks (dd), whose sweeps have the same shape with two sources,
//   dd_{l-1} = W_l^T dd_l + u_l^T da^v_l + v_l^T da^u_l   (and likewise for the beta side),
// and the contraction, layer by layer,
//   D^3R[u, v, .]_l = dda_l b_l^T + da^u_l db^v_l^T + da^v_l db^u_l^T + a_l ddb_l^T.
// The L2 term is quadratic in W and contributes nothing. For u = v the second-order blocks are
// twice a tangent of the tangent (h = dd / 2: h_{l-1} = W_l^T h_l + u_l^T da_l), so
//   D^3R[u, u, .]_l = 2 (ha_l b_l^T + da_l db_l^T + a_l hb_l^T),
// which is what the sharpness gradient uses.
//
// Cost in layer products (one product = r P multiply-adds; a gradient is 3): a tangent 4, a
// symmetric contraction 4 + 3 outer products, a mixed one 6 + 4. D^3R[u, u, .] from scratch is
// therefore 11 products (about 3.7 gradients), D^3R[u, v, .] 18 (6 gradients); univariate heads
// (r = 1) at small widths run fused loops that read each W_l, u_l (and v_l) once per sweep.
//
// The operator reads the Evaluator's cache: the evaluator must stay at its evaluated point with
// the gradient complete while the operator is used. One operator per thread.
#pragma once

#include <cstddef>
#include <vector>

#include "evaluator.hpp"

namespace dln {

class ThirdDerivative {
 public:
  // First-order sweep blocks along one direction (what an HVP computes before its output).
  struct Tangent {
    std::vector<double> alpha, beta;
  };

  // `evaluator` must have evaluated a point and completed its gradient. Refuses (ErrorCode::Value
  // on "problem") a head it does not know to be quadratic.
  explicit ThirdDerivative(const Evaluator& evaluator);

  std::size_t dimension() const { return spec_.paramCount(); }

  // The tangent sweeps along u (P entries), into t (resized on first use).
  void tangent(const double* u, Tangent& t);
  // H u from its tangent (the Hessian-vector product; equal to HessianOperator's to rounding).
  void hessianProduct(const double* u, const Tangent& tu, double* out) const;
  // out = D^3R[u, v, .] from the tangents of u and v.
  void contract(const double* u, const Tangent& tu, const double* v, const Tangent& tv, double* out);
  // out = D^3R[u, u, .] from the tangent of u.
  void contractSymmetric(const double* u, const Tangent& tu, double* out);

  // From scratch: D^3R[u, v, .] (two tangents and a mixed contraction) and D^3R[u, u, .] (one
  // tangent and a symmetric contraction; fused loops for univariate heads at small widths).
  void apply(const double* u, const double* v, double* out);
  void applySymmetric(const double* u, double* out);

  // Whether apply/applySymmetric run the fused univariate loops (then they beat tangent + contract).
  bool fused() const { return fused_; }
  // Contractions computed so far (apply, applySymmetric, contract, contractSymmetric).
  std::size_t contractions() const { return contractions_; }
  const Evaluator& evaluator() const { return ev_; }

 private:
  // One source of a second-order sweep: direction `dir` acting on the blocks of `base` (the
  // evaluator's blocks when null).
  struct Source {
    const double* dir;
    const Tangent* base;
  };
  // The sweeps of a tangent (one source at the evaluator's blocks) or of a second-order block
  // (sources at tangents), written into `out`.
  void sweep(const Source* sources, std::size_t count, Tangent& out);
  const double* alphaOf(const Tangent* t, std::size_t l) const;
  const double* betaOf(const Tangent* t, std::size_t l) const;
  double* alphaOf(Tangent& t, std::size_t l) const { return t.alpha.data() + alphaOffset_[l]; }
  double* betaOf(Tangent& t, std::size_t l) const { return t.beta.data() + betaOffset_[l]; }
  void ensure(Tangent& t) const;
  void applySymmetricFused(const double* u, double* out);
  void applyMixedFused(const double* u, const double* v, double* out);

  const Evaluator& ev_;
  const Problem& problem_;
  const NetworkSpec& spec_;
  std::size_t L_, r_;
  bool fused_;  // univariate head (r = 1): fused loops for applySymmetric
  std::vector<std::size_t> alphaOffset_, betaOffset_;
  std::size_t alphaSize_ = 0, betaSize_ = 0;
  std::vector<double> dA_, dG_;
  Tangent tu_, tv_, second_;
  // Fused path: first- and second-order alpha blocks (layers, then the head), beta blocks.
  std::vector<double> fa_, fh_, fb_, fhb_, fm_, fmb_;
  std::size_t contractions_ = 0;
};

}  // namespace dln
