#include "marion_chizat_authors.hpp"

#include <cmath>
#include <string>

#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"

namespace dln {

namespace {

// Position of a key in the chain (see the header).
std::size_t chainIndex(AuthorsCode code, AuthorsKey which, std::size_t depth) {
  switch (which) {
    case AuthorsKey::Data: return 0;
    case AuthorsKey::GaussianInit: return 1;
    case AuthorsKey::GaussianSweep: return 2;
    case AuthorsKey::GaussianTraces: return 3;
    case AuthorsKey::ResidualInit: return 4;
    case AuthorsKey::ResidualProjection: return 5;
    case AuthorsKey::ResidualSweep: return 6;
    case AuthorsKey::ResidualTraces: return 7;
    default: break;
  }
  if (code != AuthorsCode::October2024) {
    fail(ErrorCode::Value, "source",
         "the May 2024 code has no depth experiment and no underdetermined data (use authors-2024-10)");
  }
  switch (which) {
    case AuthorsKey::DepthInit:
    case AuthorsKey::DepthProjection:
    case AuthorsKey::DepthSweep: {
      std::size_t j = 0;
      while (j < kAuthorsDepths.size() && kAuthorsDepths[j] != depth) ++j;
      if (j == kAuthorsDepths.size())
        fail(ErrorCode::Value, "depth", "the October 2024 depth experiment has depths 5, 10, 20 and 40 only");
      const std::size_t offset = which == AuthorsKey::DepthInit ? 0 : which == AuthorsKey::DepthProjection ? 1 : 2;
      return 8 + 3 * j + offset;
    }
    case AuthorsKey::UnderdeterminedData: return 20;
    case AuthorsKey::UnderdeterminedInit: return 21;
    case AuthorsKey::UnderdeterminedSweep: return 22;
    default: break;
  }
  fail(ErrorCode::Internal, "", "unknown authors' key");
}

std::vector<double> widen(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

}  // namespace

jax::Key authorsKey(AuthorsCode code, AuthorsKey which, std::size_t depth) {
  const std::size_t index = chainIndex(code, which, depth);
  jax::Key key = jax::prngKey(0);
  for (std::size_t i = 0;; ++i) {
    const auto pair = jax::split(key);  // key, subkey = random.split(key)
    if (i == index) return pair[1];
    key = pair[0];
  }
}

AuthorsRegressionData marionChizatAuthorsData(AuthorsCode code, std::size_t n, std::size_t d, double noise) {
  const bool october = code == AuthorsCode::October2024;
  const bool main = n == 50 && d == 5;
  const bool underdetermined = october && n == 15 && d == 20;
  if (!main && !underdetermined) {
    fail(ErrorCode::Value, n == 50 || (october && n == 15) ? "d" : "n",
         october ? "the October 2024 code draws (n, d) = (50, 5) and, for the underdetermined experiment, (15, 20) only"
                 : "the May 2024 code draws (n, d) = (50, 5) only");
  }
  if (!std::isfinite(noise) || noise < 0) fail(ErrorCode::Value, "noise", "must be a finite number >= 0");
  jax::Key key = authorsKey(code, underdetermined ? AuthorsKey::UnderdeterminedData : AuthorsKey::Data);
  // generate_data: `key, subkey = random.split(key)` before each draw.
  auto next = [&key](std::size_t count) {
    const auto pair = jax::split(key);
    key = pair[0];
    return jax::normal(pair[1], count);
  };
  AuthorsRegressionData data;
  data.n = n;
  data.d = d;
  data.nTest = october ? n : 0;
  const std::vector<float> X = next(n * d);
  const std::vector<float> XTest = october ? next(n * d) : std::vector<float>();
  data.wTrue = next(d);
  data.zeta = next(n);
  if (october) data.zetaTest = next(n);
  data.X = widen(X);
  data.XTest = widen(XTest);
  const std::vector<double> w = widen(data.wTrue);
  data.y.resize(n);
  data.yTest.resize(data.nTest);
  for (std::size_t i = 0; i < n; ++i)
    data.y[i] = kernels::dot(d, data.X.data() + i * d, w.data()) + noise * data.zeta[i];
  for (std::size_t i = 0; i < data.nTest; ++i)
    data.yTest[i] = kernels::dot(d, data.XTest.data() + i * d, w.data()) + noise * data.zetaTest[i];
  // w* = pinv(X^T X) X^T y (the October code; inv in May, the same for full column rank) = X^+ y.
  data.wStar.resize(d);
  linalg::leastSquares(n, d, 1, data.X.data(), data.y.data(), data.wStar.data());
  const double norm = linalg::frobeniusNorm(d, data.wStar.data());
  if (!(norm > 0)) fail(ErrorCode::Internal, "", "the authors' least-squares solution is zero");
  data.normFactor = norm;
  for (double& v : data.y) v /= norm;
  for (double& v : data.yTest) v /= norm;
  for (double& v : data.wStar) v /= norm;
  return data;
}

std::vector<double> marionChizatAuthorsProjection(AuthorsCode code, std::size_t d, std::size_t depth) {
  if (d == 0) fail(ErrorCode::Value, "d", "must be >= 1");
  const jax::Key key = depth == 0 ? authorsKey(code, AuthorsKey::ResidualProjection)
                                  : authorsKey(code, AuthorsKey::DepthProjection, depth);
  std::vector<double> p = widen(jax::normal(key, d));
  const double norm = linalg::frobeniusNorm(d, p.data());
  for (double& v : p) v /= norm;
  return p;
}

}  // namespace dln
