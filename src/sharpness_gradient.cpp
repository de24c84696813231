#include "sharpness_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "error.hpp"
#include "hessian.hpp"
#include "kernels.hpp"
#include "lanczos.hpp"
#include "memory.hpp"
#include "rng.hpp"
#include "third_derivative.hpp"

namespace dln {

namespace {

// H restricted to the orthogonal complement of the rows of Q (m x n, orthonormal):
// v -> (I - Q^T Q) H (I - Q^T Q) v. Polls the cancel flag before every product.
class DeflatedHessian final : public SymmetricOperator {
 public:
  DeflatedHessian(HessianOperator& H, const std::vector<double>& Q, std::size_t m, RunControl* control)
      : H_(H), Q_(Q), m_(m), n_(H.dimension()), control_(control), x_(n_), c_(m) {}
  std::size_t dimension() const override { return n_; }
  void apply(const double* v, double* out) override {
    if (control_ && control_->cancelled()) throw Error(ErrorCode::Cancelled, "", "cancelled");
    std::copy(v, v + n_, x_.begin());
    project(x_.data());
    H_.apply(x_.data(), out);
    project(out);
  }
  void project(double* x) {
    if (m_ == 0) return;
    kernels::times(m_, n_, 1, Q_.data(), x, c_.data());
    for (std::size_t i = 0; i < m_; ++i) c_[i] = -c_[i];
    kernels::transposedTimes(m_, n_, 1, Q_.data(), c_.data(), x, true);
  }

 private:
  HessianOperator& H_;
  const std::vector<double>& Q_;
  std::size_t m_, n_;
  RunControl* control_;
  std::vector<double> x_, c_;
};

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

struct Pair {
  double value, residual;
  std::vector<double> vector;
  std::size_t iterations;
};

// The top eigenpair of H on the complement of the first m rows of Q (Lanczos, k = 1, from a
// random start projected onto the complement; run 0 is sharpness()'s default solve).
Pair topOfComplement(HessianOperator& H, const std::vector<double>& Q, std::size_t m, const SharpnessGradientOptions& o,
                     RunControl* control, std::size_t run) {
  const std::size_t n = H.dimension();
  DeflatedHessian op(H, Q, m, control);
  LanczosOptions lo;
  lo.k = 1;
  lo.tol = o.tol;
  lo.seed = o.seed;
  lo.wantVectors = true;
  lo.maxIterations = std::min(o.maxIterations ? o.maxIterations : kLanczosDefaultMaxIterations, n - m);
  std::vector<double> start;
  if (m > 0) {
    Rng rng(o.seed, Purpose::Eigensolver, {run, 2});
    start.resize(n);
    for (double& x : start) x = rng.normal();
    op.project(start.data());
    lo.start = start.data();
    lo.startNoise = 0.0;
  }
  LanczosResult r = lanczos(op, lo);
  if (!r.converged) {
    fail(ErrorCode::Value, "options.maxIterations",
         "Lanczos did not converge to tol " + number(o.tol) + " in " + std::to_string(r.iterations) +
             " iterations (eigenvalue " + std::to_string(m + 1) + " from the top); raise maxIterations or tol");
  }
  return {r.values[0], r.residuals[0], std::move(r.vectors), r.products};
}

}  // namespace

void validate(const SharpnessGradientOptions& o) {
  if (!(o.tol > 0) || !std::isfinite(o.tol)) fail(ErrorCode::Value, "options.tol", "must be a finite number > 0");
  if (!(o.eigengapTolerance >= 0) || !std::isfinite(o.eigengapTolerance))
    fail(ErrorCode::Value, "options.eigengapTolerance", "must be a finite number >= 0");
  if (o.maxClusterSize < 1) fail(ErrorCode::Value, "options.maxClusterSize", "must be >= 1");
  // Lanczos resolves eigenvalues to about tol |lambda| (the Ritz residual bounds the error), so a
  // relative gap below a few tol cannot be told from a repeated eigenvalue.
  if (o.method == SharpnessGradientOptions::Method::Lanczos && o.eigengapTolerance < 10 * o.tol)
    fail(ErrorCode::Value, "options.eigengapTolerance",
         "must be >= 10 * tol (" + number(10 * o.tol) + "): Lanczos resolves eigenvalues only to about tol |lambda|");
}

SharpnessGradientResult sharpnessGradient(const Evaluator& ev, const SharpnessGradientOptions& o, RunControl* control) {
  validate(o);
  const std::size_t P = ev.problem().spec().paramCount();
  const double inf = std::numeric_limits<double>::infinity();
  SharpnessGradientResult res;
  // The cluster so far (values descending, vectors as rows of Q) and the eigenvalue below it.
  std::vector<double> Q;
  auto cancelled = [&] {
    if (control && control->cancelled()) throw Error(ErrorCode::Cancelled, "", "cancelled");
  };
  // Chained clustering: lambda_{i+1} joins when lambda_i - lambda_{i+1} <= tau |lambda_1|.
  auto joins = [&](double value) {
    return res.eigenvalues.back() - value <= o.eigengapTolerance * std::fabs(res.eigenvalues.front());
  };
  auto refuse = [&](double value) {
    const double l1 = res.eigenvalues.front();
    if (!o.cluster) {
      fail(ErrorCode::Value, "options.eigengapTolerance",
           "the top eigenvalue is not simple to this tolerance: lambda_1 = " + number(l1) +
               ", lambda_2 = " + number(value) + " (lambda_1 - lambda_2 = " + number(l1 - value) +
               " <= eigengapTolerance * |lambda_1| = " + number(o.eigengapTolerance * std::fabs(l1)) +
               "); pass cluster: true for the top cluster's contractions");
    }
    fail(ErrorCode::Value, "options.maxClusterSize",
         "the top cluster has more than " + std::to_string(o.maxClusterSize) +
             " eigenvalues within the relative tolerance " + number(o.eigengapTolerance) +
             " of each other (lambda_1 = " + number(l1) + ")");
  };

  if (o.method == SharpnessGradientOptions::Method::Dense) {
    requireDoubles(checkedMul(checkedMul(P, P, "options.method"), 2, "options.method"), "options.method");
    std::vector<double> dense = denseHessian(ev);
    cancelled();
    std::vector<double> values(P), vecs(P * P);
    symmetricSpectrum(P, dense, values.data(), vecs.data());
    res.hvps = P;
    auto take = [&](std::size_t i) {  // i-th from the top
      res.eigenvalues.push_back(values[P - 1 - i]);
      res.residuals.push_back(0.0);
      for (std::size_t t = 0; t < P; ++t) Q.push_back(vecs[t * P + (P - 1 - i)]);
    };
    take(0);
    res.next = -inf;
    for (std::size_t i = 1; i < P; ++i) {
      const double value = values[P - 1 - i];
      if (!joins(value)) {
        res.next = value;
        break;
      }
      if (!o.cluster || res.eigenvalues.size() == o.maxClusterSize) refuse(value);
      take(i);
    }
  } else {
    HessianOperator H(ev);
    Pair top = topOfComplement(H, Q, 0, o, control, 0);
    res.lanczosRuns = 1;
    res.lanczosIterations = top.iterations;
    res.eigenvalues.push_back(top.value);
    res.residuals.push_back(top.residual);
    Q = std::move(top.vector);
    res.next = -inf;
    for (std::size_t m = 1; m < P; ++m) {
      Pair p = topOfComplement(H, Q, m, o, control, m);
      ++res.lanczosRuns;
      res.lanczosIterations += p.iterations;
      if (!joins(p.value)) {
        res.next = p.value;
        res.nextResidual = p.residual;
        break;
      }
      if (!o.cluster || res.eigenvalues.size() == o.maxClusterSize) refuse(p.value);
      res.eigenvalues.push_back(p.value);
      res.residuals.push_back(p.residual);
      Q.insert(Q.end(), p.vector.begin(), p.vector.end());
    }
    res.hvps = H.products();
  }
  const std::size_t k = res.eigenvalues.size();
  res.clusterSize = k;
  res.eigengap = res.next == -inf ? inf : res.eigenvalues.back() - res.next;
  res.vectors = Q;
  // Davis-Kahan: the angle between a Ritz vector and the cluster's eigenspace is at most its
  // residual over the distance to the rest of the spectrum.
  double worst = 0.0;
  for (double r : res.residuals) worst = std::max(worst, r);
  res.vectorErrorBound = res.eigengap == inf ? 0.0 : worst / std::max(res.eigengap - res.nextResidual, 0.0);

  cancelled();
  ThirdDerivative D3(ev);
  res.contractions.assign(checkedMul(k * (k + 1) / 2, P, "options.maxClusterSize"), 0.0);
  if (k == 1) {
    D3.applySymmetric(Q.data(), res.contractions.data());
    return res;
  }
  // Each tangent once, then the pairs (the fused univariate loops recompute tangents instead: at
  // those sizes passes over the weights, not products, set the cost).
  std::vector<ThirdDerivative::Tangent> tangents(D3.fused() ? 0 : k);
  for (std::size_t i = 0; i < tangents.size(); ++i) D3.tangent(Q.data() + i * P, tangents[i]);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = i; j < k; ++j) {
      cancelled();
      const double* ui = Q.data() + i * P;
      const double* uj = Q.data() + j * P;
      double* out = res.contractions.data() + pairIndex(k, i, j) * P;
      if (D3.fused()) {
        if (i == j) D3.applySymmetric(ui, out);
        else D3.apply(ui, uj, out);
      } else if (i == j) {
        D3.contractSymmetric(ui, tangents[i], out);
      } else {
        D3.contract(ui, tangents[i], uj, tangents[j], out);
      }
    }
  }
  return res;
}

}  // namespace dln
