#include "data.hpp"

#include <cmath>
#include <numeric>

#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "memory.hpp"
#include "rng.hpp"

namespace dln {

namespace {
void fillNormal(Rng& rng, std::vector<double>& v, double scale = 1.0) {
  for (double& x : v) x = scale * rng.normal();
}
}  // namespace

RegressionData marionChizatData(std::size_t n, std::size_t d, double noise, std::uint64_t seed, std::size_t nTest) {
  if (n == 0) fail(ErrorCode::Value, "n", "must be >= 1");
  if (d == 0) fail(ErrorCode::Value, "d", "must be >= 1");
  if (!std::isfinite(noise) || noise < 0) fail(ErrorCode::Value, "noise", "must be a finite number >= 0");
  requireDoubles(checkedMul(checkedAdd(n, nTest, "n"), checkedAdd(d, 1, "d"), "n"), "n");
  RegressionData data;
  data.n = n;
  data.d = d;
  data.nTest = nTest;
  Rng rng(seed, Purpose::Data, {0});
  data.X.resize(n * d);
  data.XTest.resize(nTest * d);
  std::vector<double> wTrue(d), zeta(n), zetaTest(nTest);
  fillNormal(rng, data.X);
  fillNormal(rng, data.XTest);
  fillNormal(rng, wTrue);
  fillNormal(rng, zeta);
  fillNormal(rng, zetaTest);
  data.y.resize(n);
  data.yTest.resize(nTest);
  for (std::size_t i = 0; i < n; ++i)
    data.y[i] = kernels::dot(d, data.X.data() + i * d, wTrue.data()) + noise * zeta[i];
  for (std::size_t i = 0; i < nTest; ++i)
    data.yTest[i] = kernels::dot(d, data.XTest.data() + i * d, wTrue.data()) + noise * zetaTest[i];
  data.wStar.resize(d);
  linalg::leastSquares(n, d, 1, data.X.data(), data.y.data(), data.wStar.data());
  const double norm = linalg::frobeniusNorm(d, data.wStar.data());
  if (!(norm > 0)) fail(ErrorCode::Value, "seed", "degenerate draw: the least-squares solution is zero");
  data.normFactor = norm;
  for (double& v : data.y) v /= norm;
  for (double& v : data.yTest) v /= norm;
  for (double& v : data.wStar) v /= norm;
  return data;
}

TeacherData jacotTeacherData(std::size_t d, std::size_t rank, std::size_t n, std::size_t nTest, double noise,
                             bool columnVariance, double teacherStd, std::uint64_t seed) {
  if (d == 0) fail(ErrorCode::Value, "d", "must be >= 1");
  if (rank == 0 || rank > d) fail(ErrorCode::Value, "rank", "must be in [1, d]");
  if (n == 0) fail(ErrorCode::Value, "n", "must be >= 1");
  if (!std::isfinite(noise) || noise < 0) fail(ErrorCode::Value, "noise", "must be a finite number >= 0");
  if (!columnVariance && (!std::isfinite(teacherStd) || teacherStd <= 0)) {
    fail(ErrorCode::Value, "teacherStd", "must be a finite number > 0");
  }
  requireDoubles(checkedMul(checkedAdd(n, nTest, "n"), checkedMul(2, d, "d"), "n"), "n");
  TeacherData data;
  data.d = d;
  data.n = n;
  data.nTest = nTest;
  Rng teacherRng(seed, Purpose::Teacher, {0});
  std::vector<double> W0(d * rank);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t c = 0; c < rank; ++c)
      W0[i * rank + c] = (columnVariance ? std::sqrt(static_cast<double>(c + 1)) : teacherStd) * teacherRng.normal();
  data.teacher.assign(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j)
      data.teacher[i * d + j] = kernels::dot(rank, W0.data() + i * rank, W0.data() + j * rank);
  data.noisyTeacher = data.teacher;
  for (double& v : data.noisyTeacher) v += noise * teacherRng.normal();

  Rng rng(seed, Purpose::Data, {0});
  data.X.resize(n * d);
  data.XTest.resize(nTest * d);
  fillNormal(rng, data.X);
  fillNormal(rng, data.XTest);
  auto apply = [d](const std::vector<double>& T, const std::vector<double>& X, std::vector<double>& Y,
                   std::size_t rows) {
    Y.resize(rows * d);
    for (std::size_t s = 0; s < rows; ++s)
      for (std::size_t i = 0; i < d; ++i) Y[s * d + i] = kernels::dot(d, T.data() + i * d, X.data() + s * d);
  };
  apply(data.noisyTeacher, data.X, data.Y, n);
  apply(data.teacher, data.XTest, data.YTest, nTest);
  return data;
}

CompletionData completionData(std::size_t rows, std::size_t cols, std::size_t rank, std::size_t observed,
                              std::uint64_t seed) {
  if (rows == 0 || cols == 0) fail(ErrorCode::Value, "rows", "rows and cols must be >= 1");
  if (rank == 0 || rank > std::min(rows, cols)) fail(ErrorCode::Value, "rank", "must be in [1, min(rows, cols)]");
  const std::size_t total = checkedMul(rows, cols, "rows");
  requireDoubles(checkedMul(total, 4, "rows"), "rows");
  if (observed == 0 || observed > total) {
    fail(ErrorCode::Value, "observed", "must be in [1, rows * cols = " + std::to_string(total) + "]");
  }
  CompletionData data;
  data.rows = rows;
  data.cols = cols;
  Rng teacherRng(seed, Purpose::Teacher, {0});
  std::vector<double> U(rows * rank), V(cols * rank);
  fillNormal(teacherRng, U);
  fillNormal(teacherRng, V);
  data.target.resize(total);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      data.target[i * cols + j] = kernels::dot(rank, U.data() + i * rank, V.data() + j * rank);
  // Partial Fisher-Yates: the first `observed` positions of a random permutation.
  std::vector<std::size_t> order(total);
  std::iota(order.begin(), order.end(), 0);
  Rng maskRng(seed, Purpose::Mask, {0});
  for (std::size_t i = 0; i < observed; ++i) std::swap(order[i], order[i + maskRng.below(total - i)]);
  std::vector<bool> seen(total, false);
  for (std::size_t i = 0; i < observed; ++i) seen[order[i]] = true;
  for (std::size_t idx = 0; idx < total; ++idx) {
    Entry e{idx / cols, idx % cols, data.target[idx]};
    (seen[idx] ? data.observed : data.test).push_back(e);
  }
  return data;
}

}  // namespace dln
