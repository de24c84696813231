#include "krylov_phi.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "linalg.hpp"

namespace dln {

namespace {

double sumOfSquares(std::size_t n, const double* x) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

// x . y with four accumulators in a fixed order (a single running sum is latency-bound; the
// order is fixed so results do not depend on the machine).
double dot4(std::size_t n, const double* __restrict x, const double* __restrict y) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

// A coupling below this fraction of ||T|| is a breakdown: the basis spans an invariant subspace
// to that accuracy and the recurrence stops.
constexpr double kBreakdown = 1e-13;

}  // namespace

double phi(int k, double z) {
  if (k == 0) return std::exp(z);
  if (std::fabs(z) < 2.0) {
    // sum_j z^j / (j + k)!, 30 terms: the remainder is below 2^30 / 31! ~ 1e-25 of the first term.
    double factorial = 1.0;
    for (int j = 2; j <= k; ++j) factorial *= j;
    double term = 1.0 / factorial, sum = 0.0;
    double terms[31];
    for (int j = 0; j <= 30; ++j) {
      terms[j] = term;
      term *= z / (j + 1 + k);
    }
    for (int j = 30; j >= 0; --j) sum += terms[j];  // smallest first
    return sum;
  }
  double p = std::exp(z), inverseFactorial = 1.0;  // 1 / (j - 1)! for j = 1
  for (int j = 1; j <= k; ++j) {
    p = (p - inverseFactorial) / z;
    inverseFactorial /= j;
  }
  return p;
}

void KrylovBasis::start(std::size_t n, const double* v, bool fullReorthogonalization, std::size_t maxSteps) {
  n_ = n;
  maxRows_ = maxSteps > 0 ? maxSteps + 1 : 0;
  full_ = fullReorthogonalization;
  m_ = 0;
  alpha_.clear();
  beta_.clear();
  decomposed_ = static_cast<std::size_t>(-1);
  finite_ = true;
  w_.resize(n);
  if (V_.size() < 2 * n) V_.resize(2 * n);  // grows by doubling in extend(); never shrinks
  norm_ = std::sqrt(sumOfSquares(n, v));
  invariant_ = !(norm_ > 0) || !std::isfinite(norm_);
  if (!std::isfinite(norm_)) finite_ = false;
  if (invariant_) {
    norm_ = std::isfinite(norm_) ? 0.0 : norm_;
    return;
  }
  const double inv = 1.0 / norm_;
  for (std::size_t i = 0; i < n; ++i) V_[i] = v[i] * inv;
}

bool KrylovBasis::extend(const Product& product) {
  if (invariant_) return false;
  const std::size_t n = n_;
  const double* __restrict q = V_.data() + m_ * n;
  double* __restrict w = w_.data();
  product(q, w);
  // Paige's ordering in two fused passes: w -= beta_{j-1} q_{j-1} while forming alpha = q . w,
  // then w -= alpha q while forming ||w||^2. A non-finite entry of H q makes ||w||^2 non-finite
  // (a sum of non-negative terms cannot cancel it), which is the check.
  const double* __restrict qPrev = m_ > 0 ? V_.data() + (m_ - 1) * n : nullptr;
  const double bPrev = m_ > 0 ? beta_[m_ - 1] : 0.0;
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  if (qPrev) {
    for (; i + 4 <= n; i += 4) {
      w[i] -= bPrev * qPrev[i];
      w[i + 1] -= bPrev * qPrev[i + 1];
      w[i + 2] -= bPrev * qPrev[i + 2];
      w[i + 3] -= bPrev * qPrev[i + 3];
      s0 += q[i] * w[i];
      s1 += q[i + 1] * w[i + 1];
      s2 += q[i + 2] * w[i + 2];
      s3 += q[i + 3] * w[i + 3];
    }
    for (; i < n; ++i) {
      w[i] -= bPrev * qPrev[i];
      s0 += q[i] * w[i];
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      s0 += q[i] * w[i];
      s1 += q[i + 1] * w[i + 1];
      s2 += q[i + 2] * w[i + 2];
      s3 += q[i + 3] * w[i + 3];
    }
    for (; i < n; ++i) s0 += q[i] * w[i];
  }
  double a = (s0 + s1) + (s2 + s3);
  if (full_) {
    for (std::size_t k = 0; k < n; ++k) w[k] -= a * q[k];
    // Classical Gram-Schmidt against q_1..q_{j+1}, twice; the correction along q_j updates alpha.
    const std::size_t rows = m_ + 1;
    proj_.resize(rows);
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t r = 0; r < rows; ++r) proj_[r] = dot4(n, V_.data() + r * n, w);
      a += proj_[m_];
      for (std::size_t r = 0; r < rows; ++r) proj_[r] = -proj_[r];
      combineRows(rows, proj_.data(), w);
    }
    s0 = sumOfSquares(n, w);
    s1 = s2 = s3 = 0.0;
  } else {
    s0 = s1 = s2 = s3 = 0.0;
    i = 0;
    for (; i + 4 <= n; i += 4) {
      w[i] -= a * q[i];
      w[i + 1] -= a * q[i + 1];
      w[i + 2] -= a * q[i + 2];
      w[i + 3] -= a * q[i + 3];
      s0 += w[i] * w[i];
      s1 += w[i + 1] * w[i + 1];
      s2 += w[i + 2] * w[i + 2];
      s3 += w[i + 3] * w[i + 3];
    }
    for (; i < n; ++i) {
      w[i] -= a * q[i];
      s0 += w[i] * w[i];
    }
  }
  const double b = std::sqrt((s0 + s1) + (s2 + s3));
  if (!std::isfinite(a) || !std::isfinite(b)) {
    finite_ = false;
    invariant_ = true;
    return false;
  }
  alpha_.push_back(a);
  double tNorm = 0.0;
  for (std::size_t j = 0; j <= m_; ++j) {
    const double left = j > 0 ? beta_[j - 1] : 0.0;
    const double right = j < m_ ? beta_[j] : b;
    tNorm = std::max(tNorm, std::fabs(alpha_[j]) + left + right);
  }
  ++m_;
  if (!(b > kBreakdown * tNorm)) {
    beta_.push_back(0.0);
    invariant_ = true;
    return true;
  }
  beta_.push_back(b);
  if (V_.size() < (m_ + 1) * n) {
    const std::size_t rows = maxRows_ > 0 ? std::min(2 * (m_ + 1), std::max(maxRows_, m_ + 1)) : 2 * (m_ + 1);
    V_.resize(rows * n);
  }
  double* next = V_.data() + m_ * n;
  const double inv = 1.0 / b;
  for (std::size_t i = 0; i < n; ++i) next[i] = w[i] * inv;
  return true;
}

void KrylovBasis::decompose() {
  if (decomposed_ == m_) return;
  theta_.resize(m_);
  S_.resize(m_ * m_);
  if (m_ > 0) linalg::tridiagonalEigen(m_, alpha_.data(), beta_.data(), theta_.data(), S_.data());
  decomposed_ = m_;
}

double KrylovBasis::largestRitzValue() {
  if (m_ == 0) return std::numeric_limits<double>::quiet_NaN();
  decompose();
  return theta_.back();
}

void KrylovBasis::phiCoefficients(int k, double tau, double scale, double* c) {
  if (m_ == 0) return;
  decompose();
  const std::size_t m = m_;
  scratch_.resize(m);
  for (std::size_t i = 0; i < m; ++i) scratch_[i] = phi(k, -tau * theta_[i]) * S_[i];  // S_[0 * m + i]
  const double f = scale * norm_;
  for (std::size_t r = 0; r < m; ++r) {
    double s = 0.0;
    const double* row = S_.data() + r * m;
    for (std::size_t i = 0; i < m; ++i) s += row[i] * scratch_[i];
    c[r] = f * s;
  }
}

double KrylovBasis::signedErrorEstimate(int k, double tau, double scale) {
  if (m_ == 0 || invariant_) return 0.0;
  decompose();
  const std::size_t m = m_;
  const double* last = S_.data() + (m - 1) * m;
  double s = 0.0;
  for (std::size_t i = 0; i < m; ++i) s += last[i] * S_[i] * phi(k + 1, -tau * theta_[i]);
  return scale * norm_ * beta_[m - 1] * tau * s;
}

void KrylovBasis::combineRows(std::size_t rows, const double* c, double* out) const {
  // out += sum_r c_r q_r in blocks of out that stay in L1 while every row passes over them.
  constexpr std::size_t kBlock = 512;
  const double* V = V_.data();
  for (std::size_t start = 0; start < n_; start += kBlock) {
    const std::size_t end = std::min(n_, start + kBlock);
    double* __restrict o = out + start;
    for (std::size_t r = 0; r < rows; ++r) {
      const double cr = c[r];
      const double* __restrict q = V + r * n_ + start;
      for (std::size_t i = 0; i < end - start; ++i) o[i] += cr * q[i];
    }
  }
}

void KrylovBasis::combine(const double* c, double* out, bool accumulate) const {
  if (!accumulate) std::fill(out, out + n_, 0.0);
  if (m_ > 0) combineRows(m_, c, out);
}

void KrylovBasis::hessianCoefficients(const double* c, double* t) const {
  const std::size_t m = m_;
  for (std::size_t r = 0; r < m; ++r) {
    double s = alpha_[r] * c[r];
    if (r > 0) s += beta_[r - 1] * c[r - 1];
    if (r + 1 < m) s += beta_[r] * c[r + 1];
    t[r] = s;
  }
  t[m] = m > 0 && !invariant_ ? beta_[m - 1] * c[m - 1] : 0.0;
}

namespace {

// o[i] += c[0] q[0][i] + ... + c[R-1] q[R-1][i], added one row after the other (the order of R
// sequential row passes, so the same bits) while o[i] stays in a register: one load of o per R
// rows instead of one load and one store per row.
template <std::size_t R>
void addRows(std::size_t len, const double* c, const double* const* q, double* __restrict o) {
  for (std::size_t i = 0; i < len; ++i) {
    double x = o[i];
    for (std::size_t k = 0; k < R; ++k) x += c[k] * q[k][i];
    o[i] = x;
  }
}

}  // namespace

void KrylovBasis::combineMany(std::size_t count, const double* const* c, double* const* out) const {
  if (m_ == 0) return;
  const std::size_t rows = invariant_ ? m_ : m_ + 1;
  // Blocks of 256 entries: 8 rows of a block (16 KiB) stay in L1 while every output passes over them.
  constexpr std::size_t kBlock = 256, kGroup = 8;
  const double* V = V_.data();
  const double* q[kGroup];
  for (std::size_t start = 0; start < n_; start += kBlock) {
    const std::size_t len = std::min(n_, start + kBlock) - start;
    for (std::size_t r = 0; r < rows; r += kGroup) {
      const std::size_t g = std::min(kGroup, rows - r);
      for (std::size_t k = 0; k < g; ++k) q[k] = V + (r + k) * n_ + start;
      for (std::size_t j = 0; j < count; ++j) {
        const double* cj = c[j] + r;
        double* o = out[j] + start;
        switch (g) {
          case 8: addRows<8>(len, cj, q, o); break;
          case 7: addRows<7>(len, cj, q, o); break;
          case 6: addRows<6>(len, cj, q, o); break;
          case 5: addRows<5>(len, cj, q, o); break;
          case 4: addRows<4>(len, cj, q, o); break;
          case 3: addRows<3>(len, cj, q, o); break;
          case 2: addRows<2>(len, cj, q, o); break;
          default: addRows<1>(len, cj, q, o); break;
        }
      }
    }
  }
}

void KrylovBasis::addHessianTimesCombination(const double* c, double* out) const {
  if (m_ == 0) return;
  const std::size_t m = m_;
  std::vector<double> t(m);
  for (std::size_t r = 0; r < m; ++r) {
    double s = alpha_[r] * c[r];
    if (r > 0) s += beta_[r - 1] * c[r - 1];
    if (r + 1 < m) s += beta_[r] * c[r + 1];
    t[r] = s;
  }
  combineRows(m, t.data(), out);
  if (!invariant_) {
    const double f = beta_[m - 1] * c[m - 1];
    const double* q = next();
    for (std::size_t i = 0; i < n_; ++i) out[i] += f * q[i];
  }
}

}  // namespace dln
