#include "theory.hpp"

#include <cmath>
#include <limits>

#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "losses/regression.hpp"

namespace dln {

RegressionTheory regressionTheory(const Problem& problem) {
  if (problem.loss().kind() != LossKind::Regression) {
    fail(ErrorCode::Value, "loss", "theory quantities are defined for univariate regression");
  }
  const auto& reg = static_cast<const RegressionLoss&>(problem.loss());
  const std::size_t d = problem.spec().inputDim();
  const std::size_t L = problem.spec().depth();
  const double Ld = static_cast<double>(L);
  RegressionTheory t;
  t.depth = L;
  t.sigmaEigenvalues.resize(d);
  std::vector<double> Q(d * d);
  linalg::symmetricEigen(d, reg.sigma().data(), t.sigmaEigenvalues.data(), Q.data());
  // Eigenvalues below rounding of the largest are zero: Sigma is singular (n < d or collinear X).
  const double top = t.sigmaEigenvalues.back();
  const double floor = static_cast<double>(d) * std::numeric_limits<double>::epsilon() * std::fabs(top);
  t.Lambda = top;
  t.lambda = t.sigmaEigenvalues.front() > floor ? t.sigmaEigenvalues.front() : 0.0;
  t.singularSigma = t.lambda == 0.0;
  t.wStar = reg.wStar();
  t.wStarNorm = linalg::frobeniusNorm(d, t.wStar.data());
  t.projectionNorm = problem.spec().projectionNorm();
  t.lossMin = reg.minimum();
  const double q = std::pow(t.wStarNorm, 2.0 - 2.0 / Ld) * std::pow(t.projectionNorm, 2.0 / Ld);

  std::vector<double> u(d, 0.0), sigmaU(d, 0.0);
  if (t.wStarNorm > 0) {
    for (std::size_t i = 0; i < d; ++i) u[i] = t.wStar[i] / t.wStarNorm;
  }
  for (std::size_t i = 0; i < d; ++i) sigmaU[i] = kernels::dot(d, reg.sigma().data() + i * d, u.data());
  t.a = kernels::dot(d, u.data(), sigmaU.data());

  t.sMin = 2.0 * Ld * t.lambda * q;
  t.sMinRefinedLower = 2.0 * Ld * t.a * q;
  // sqrt((2L-1) Lambda^2 + (L-1)^2 a^2) as a hypot: Lambda and a scale like the data squared, so
  // their squares would overflow (underflow) from data of about 1e77 (1e-77).
  t.sMinRefinedUpper = 2.0 * q * std::hypot(std::sqrt(2.0 * Ld - 1.0) * t.Lambda, (Ld - 1.0) * t.a);
  t.smallInitUpper = t.lambda > 0 ? 4.0 * (t.Lambda / t.lambda) * t.sMin : std::numeric_limits<double>::infinity();
  t.codeUpper = 8.0 * Ld * t.Lambda;
  t.criticalLearningRate = t.sMin > 0 ? 2.0 / t.sMin : std::numeric_limits<double>::infinity();

  // z = Sigma^{1/2} u; S_r1 = 2 q lambda_max(Sigma + (L-1) z z^T).
  std::vector<double> z(d, 0.0);
  for (std::size_t k = 0; k < d; ++k) {
    double proj = 0.0;
    for (std::size_t i = 0; i < d; ++i) proj += Q[i * d + k] * u[i];
    const double s = std::sqrt(std::max(t.sigmaEigenvalues[k], 0.0)) * proj;
    for (std::size_t i = 0; i < d; ++i) z[i] += Q[i * d + k] * s;
  }
  std::vector<double> M(reg.sigma());
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) M[i * d + j] += (Ld - 1.0) * z[i] * z[j];
  std::vector<double> ev(d);
  linalg::symmetricEigen(d, M.data(), ev.data());
  t.sRankOne = 2.0 * q * ev.back();
  return t;
}

}  // namespace dln
