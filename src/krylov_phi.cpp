#include "krylov_phi.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "fixed_order_sums.hpp"
#include "linalg.hpp"

namespace dln {

namespace {

// The Lanczos step's passes (extend()), four interleaved partial sums per reduction (lane j of
// four sums entry i with i % 4 == j, added as (s0 + s1) + (s2 + s3)). With GCC/Clang the four
// lanes are two 2-wide vectors (element-wise IEEE arithmetic: the same bits as the scalar loop,
// which the compiler does not vectorize well because of the interleaved reductions).
#if defined(__GNUC__)
typedef double V2 __attribute__((vector_size(16)));
inline V2 load2(const double* p) {
  V2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store2(double* p, V2 v) { std::memcpy(p, &v, sizeof v); }
#endif

// Paige's ordering, explicitly: w_i -= bPrev qPrev_i while summing q_i w_i (lane by lane, sa).
void lanczosSubtractPrevious(std::size_t n, double* __restrict w, const double* __restrict qPrev, double bPrev,
                             const double* __restrict q, double* sa) {
  std::size_t i = 0;
#if defined(__GNUC__)
  const V2 b = {bPrev, bPrev};
  V2 a0 = {0.0, 0.0}, a1 = a0;
  for (; i + 4 <= n; i += 4) {
    const V2 xa = load2(w + i) - b * load2(qPrev + i), xb = load2(w + i + 2) - b * load2(qPrev + i + 2);
    store2(w + i, xa);
    store2(w + i + 2, xb);
    a0 += load2(q + i) * xa;
    a1 += load2(q + i + 2) * xb;
  }
  sa[0] = a0[0], sa[1] = a0[1], sa[2] = a1[0], sa[3] = a1[1];
#else
  for (std::size_t j = 0; j < 4; ++j) sa[j] = 0.0;
  for (; i + 4 <= n; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      w[i + j] -= bPrev * qPrev[i + j];
      sa[j] += q[i + j] * w[i + j];
    }
  }
#endif
  for (; i < n; ++i) {
    w[i] -= bPrev * qPrev[i];
    sa[0] += q[i] * w[i];
  }
}

// w_i -= alpha q_i while summing w_i^2 (lane by lane, sw).
void lanczosSubtractCurrent(std::size_t n, double* __restrict w, const double* __restrict q, double alpha, double* sw) {
  std::size_t i = 0;
#if defined(__GNUC__)
  const V2 a = {alpha, alpha};
  V2 s0 = {0.0, 0.0}, s1 = s0;
  for (; i + 4 <= n; i += 4) {
    const V2 xa = load2(w + i) - a * load2(q + i), xb = load2(w + i + 2) - a * load2(q + i + 2);
    store2(w + i, xa);
    store2(w + i + 2, xb);
    s0 += xa * xa;
    s1 += xb * xb;
  }
  sw[0] = s0[0], sw[1] = s0[1], sw[2] = s1[0], sw[3] = s1[1];
#else
  for (std::size_t j = 0; j < 4; ++j) sw[j] = 0.0;
  for (; i + 4 <= n; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      w[i + j] -= alpha * q[i + j];
      sw[j] += w[i + j] * w[i + j];
    }
  }
#endif
  for (; i < n; ++i) {
    w[i] -= alpha * q[i];
    sw[0] += w[i] * w[i];
  }
}

// next_i = w_i * inv; with weight, also the sums of (next_i weight_i)^2, lane by lane (sw).
void lanczosNormalize(std::size_t n, const double* __restrict w, double inv, double* __restrict next,
                      const double* __restrict weight, double* sw) {
  std::size_t i = 0;
  for (std::size_t j = 0; j < 4; ++j) sw[j] = 0.0;
  if (!weight) {
    for (; i < n; ++i) next[i] = w[i] * inv;
    return;
  }
#if defined(__GNUC__)
  const V2 s = {inv, inv};
  V2 s0 = {0.0, 0.0}, s1 = s0;
  for (; i + 4 <= n; i += 4) {
    const V2 va = load2(w + i) * s, vb = load2(w + i + 2) * s;
    store2(next + i, va);
    store2(next + i + 2, vb);
    const V2 ra = va * load2(weight + i), rb = vb * load2(weight + i + 2);
    s0 += ra * ra;
    s1 += rb * rb;
  }
  sw[0] = s0[0], sw[1] = s0[1], sw[2] = s1[0], sw[3] = s1[1];
#else
  for (; i + 4 <= n; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      next[i + j] = w[i + j] * inv;
      const double r = next[i + j] * weight[i + j];
      sw[j] += r * r;
    }
  }
#endif
  for (; i < n; ++i) {
    next[i] = w[i] * inv;
    const double r = next[i] * weight[i];
    sw[0] += r * r;
  }
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

void KrylovBasis::start(std::size_t n, const double* v, bool fullReorthogonalization, std::size_t maxSteps,
                        const double* weights) {
  n_ = n;
  weights_ = weights;
  nextWeighted_ = false;
  maxRows_ = maxSteps > 0 ? maxSteps + 1 : 0;
  full_ = fullReorthogonalization;
  m_ = 0;
  alpha_.clear();
  beta_.clear();
  decomposed_ = static_cast<std::size_t>(-1);
  finite_ = true;
  w_.resize(n);
  // With a cap, the storage of every row is allocated at once but not written: extend() then adds
  // one row at a time, its pages touched as it is written. (Doubling copied and zeroed up to half
  // the basis between two products -- 67 ms at P = 22 000 going from 64 to 126 rows, measured on
  // the first step of an exprb43 flow of Jacot's setting at width 100 with firstStep 1000, 299
  // products -- a pause that the stepper's cancel poll, once per product, could not interrupt.)
  // Never shrinks.
  if (maxRows_ > 0 && V_.capacity() < maxRows_ * n) V_.reserve(maxRows_ * n);
  if (V_.size() < 2 * n) V_.resize(2 * n);  // without a cap: grows by doubling in extend()
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

bool KrylovBasis::extend(const Product& product, bool weighted) {
  if (invariant_) return false;
  const std::size_t n = n_;
  const double* __restrict q = V_.data() + m_ * n;
  double* __restrict w = w_.data();
  product(q, w);
  // Paige's ordering in three passes: w -= beta_{j-1} q_{j-1} while forming alpha = q . w, then
  // w -= alpha q while forming ||w||^2, then q_{j+1} = w / beta_j while forming the weighted norm
  // of q_{j+1} the caller's stopping rule reads (one pass fewer than normalizing, then checking).
  // Each reduction is four interleaved partial sums (lanczos* above). A non-finite entry of H q
  // makes ||w||^2 non-finite (a sum of non-negative terms cannot cancel it), which is the check.
  // (Two passes -- ||w||^2 from ||x||^2 - alpha^2, x = H q - beta q_{j-1} -- were measured 5% faster
  // on Jacot's flow, but the cancellation costs the recurrence accuracy once Ritz values converge:
  // 3e-6 instead of 3e-8 in stiff_krylov_test's tau S = 3e5 case.)
  const double* __restrict qPrev = m_ > 0 ? V_.data() + (m_ - 1) * n : q;
  const double bPrev = m_ > 0 ? beta_[m_ - 1] : 0.0;
  double s[4];
  lanczosSubtractPrevious(n, w, qPrev, bPrev, q, s);
  double a = (s[0] + s[1]) + (s[2] + s[3]);
  double ww;
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
    ww = sumOfSquares(n, w);
  } else {
    lanczosSubtractCurrent(n, w, q, a, s);
    ww = (s[0] + s[1]) + (s[2] + s[3]);
  }
  const double b = std::sqrt(ww);
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
  nextWeighted_ = false;
  if (!(b > kBreakdown * tNorm)) {
    beta_.push_back(0.0);
    invariant_ = true;
    return true;
  }
  beta_.push_back(b);
  if (V_.size() < (m_ + 1) * n) {
    const std::size_t rows = maxRows_ > 0 ? m_ + 1 : 2 * (m_ + 1);  // with a cap, within the reserved capacity
    V_.resize(rows * n);
  }
  const double* weight = weighted ? weights_ : nullptr;
  lanczosNormalize(n, w, 1.0 / b, V_.data() + m_ * n, weight, s);
  if (weight) {
    nextWeightedSquares_ = (s[0] + s[1]) + (s[2] + s[3]);
    nextWeighted_ = true;
  }
  return true;
}

double KrylovBasis::nextWeightedSquares() const {
  if (nextWeighted_) return nextWeightedSquares_;
  if (!weights_ || m_ == 0 || invariant_) return std::numeric_limits<double>::quiet_NaN();
  const double* __restrict q = next();
  const double* __restrict weight = weights_;
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 4 <= n_; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      const double r = q[i + j] * weight[i + j];
      s[j] += r * r;
    }
  }
  for (; i < n_; ++i) s[0] += q[i] * weight[i] * q[i] * weight[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
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
void addRows(std::size_t len, const double* c, const double* const* q, const double* __restrict from,
             double* __restrict o) {
  for (std::size_t i = 0; i < len; ++i) {
    double x = from ? from[i] : 0.0;
    for (std::size_t k = 0; k < R; ++k) x += c[k] * q[k][i];
    o[i] = x;
  }
}

}  // namespace

void KrylovBasis::combineMany(std::size_t count, const double* const* c, double* const* out,
                              const double* const* base) const {
  const std::size_t rows = m_ == 0 ? 0 : invariant_ ? m_ : m_ + 1;
  // Blocks of 256 entries: 8 rows of a block (16 KiB) stay in L1 while every output passes over them.
  constexpr std::size_t kBlock = 256, kGroup = 8;
  const double* V = V_.data();
  const double* q[kGroup];
  for (std::size_t start = 0; start < n_; start += kBlock) {
    const std::size_t len = std::min(n_, start + kBlock) - start;
    if (rows == 0 && base) {
      for (std::size_t j = 0; j < count; ++j) {
        if (base[j] == out[j]) continue;
        double* o = out[j] + start;
        if (base[j]) {
          std::copy(base[j] + start, base[j] + start + len, o);
        } else {
          std::fill(o, o + len, 0.0);
        }
      }
    }
    for (std::size_t r = 0; r < rows; r += kGroup) {
      const std::size_t g = std::min(kGroup, rows - r);
      for (std::size_t k = 0; k < g; ++k) q[k] = V + (r + k) * n_ + start;
      for (std::size_t j = 0; j < count; ++j) {
        const double* cj = c[j] + r;
        double* o = out[j] + start;
        // The first group starts from the output's base (0 when null), the others from the output.
        const double* from = r > 0 || !base ? o : base[j] ? base[j] + start : nullptr;
        switch (g) {
          case 8: addRows<8>(len, cj, q, from, o); break;
          case 7: addRows<7>(len, cj, q, from, o); break;
          case 6: addRows<6>(len, cj, q, from, o); break;
          case 5: addRows<5>(len, cj, q, from, o); break;
          case 4: addRows<4>(len, cj, q, from, o); break;
          case 3: addRows<3>(len, cj, q, from, o); break;
          case 2: addRows<2>(len, cj, q, from, o); break;
          default: addRows<1>(len, cj, q, from, o); break;
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
