#include "lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.hpp"
#include "fixed_order_sums.hpp"
#include "kernels.hpp"
#include "lanczos_passes/passes.hpp"
#include "linalg.hpp"
#include "memory.hpp"
#include "rng.hpp"

namespace dln {

namespace {

// Keeps a pair of consecutive minors in range by an exact power of two (both by the same factor, so
// their ratio, the pivot, keeps its bits): the minors of the Ritz update's recurrences.
inline void rescalePair(double& hi, double& lo) {
  const double size = std::max(std::fabs(hi), std::fabs(lo));
  if (size > 0x1p+500) {
    hi *= 0x1p-500;
    lo *= 0x1p-500;
  } else if (size < 0x1p-500) {
    hi *= 0x1p+500;
    lo *= 0x1p+500;
  }
}

double norm(std::size_t n, const double* x) { return std::sqrt(sumOfSquares(n, x)); }

// The process's own passes over vectors (lanczos_passes/passes.hpp): sixteen chains per reduction,
// the widest instruction set the CPU runs, the same bits on every machine. (powerIteration keeps
// sumOfSquares: the lanes reproduce its norms bit for bit.)
inline const lanczos_passes::Passes& vec() { return lanczos_passes::passes(); }

double basisNorm(std::size_t n, const double* x) { return std::sqrt(vec().sumOfSquares(n, x)); }

// x /= s, by one division and n multiplications (a division per entry, at 4-5 cycles each, cost
// a quarter of a product per Lanczos step at P = 230); the quotient where 1/s would overflow or
// lose digits as a subnormal.
void scaleBy(std::size_t n, double* x, double s) {
  if (s > 0x1p-1000 && s < 0x1p+1000) {
    vec().scale(n, x, 1.0 / s, x);
  } else {
    for (std::size_t i = 0; i < n; ++i) x[i] /= s;
  }
}

// out = x / s, as scaleBy.
void scaledCopy(std::size_t n, const double* x, double s, double* out) {
  if (s > 0x1p-1000 && s < 0x1p+1000) {
    vec().scale(n, x, 1.0 / s, out);
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = x[i] / s;
  }
}

// c = Q w and w -= Q^T c for the first m rows of Q (n each). Small bases use the process's own
// passes (a fixed order, so results do not depend on the machine); past a few L1 caches of basis,
// BLAS's blocked matrix-vector products win.
constexpr std::size_t kLoopBasisLimit = 16384;

void project(std::size_t n, std::size_t m, const double* Q, const double* w, double* c) {
  if (m * n > kLoopBasisLimit) {
    kernels::times(m, n, 1, Q, w, c);
    return;
  }
  vec().project(n, m, Q, w, c);
}

void subtract(std::size_t n, std::size_t m, const double* Q, double* c, double* w) {
  if (m * n > kLoopBasisLimit) {
    for (std::size_t i = 0; i < m; ++i) c[i] = -c[i];  // c is scratch
    kernels::transposedTimes(m, n, 1, Q, c, w, true);
    return;
  }
  vec().subtract(n, m, Q, c, w);
}

// y = Q^T s for the first m >= 1 rows of Q (n each), in a fixed order.
void combineRows(std::size_t n, std::size_t m, const double* Q, const double* s, double* y) {
  vec().combine(n, m, Q, s, y);
}

// Classical Gram-Schmidt of w against the first m rows of Q (n each) as two matrix-vector
// products (c = Q w, w -= Q^T c), repeated once when the first pass removed most of w (the DGKS
// test: "twice is enough"). `before` is ||w|| on entry; returns the final norm. `c` has room for
// m values.
double orthogonalize(std::size_t n, std::size_t m, const double* Q, double* w, double* c, double before) {
  if (m == 0) return before;
  for (int pass = 0; pass < 2; ++pass) {
    project(n, m, Q, w, c);
    subtract(n, m, Q, c, w);
    // When the pass removed almost nothing (the usual case: the recurrence already took out the
    // basis components, and a reorthogonalization removes remains at the level omega ~ sqrt(eps)
    // of the estimates), the norm after it is sqrt(||w||^2 - ||c||^2) to working accuracy:
    // ||w - Q^T c||^2 = ||w||^2 - ||c||^2 + c^T (Q Q^T - I) c, and with the basis orthogonal to
    // omega <= sqrt(eps) per pair and m ||c||^2 <= 2^-40 ||w||^2 the last term is below
    // sqrt(eps) 2^-40 ||w||^2 < 2^-52 ||w||^2. Saves a pass over w. (Not where ||w||^2 would
    // overflow.)
    double removed = 0.0;
    for (std::size_t i = 0; i < m; ++i) removed += c[i] * c[i];
    if (before < 0x1p+500 && removed * static_cast<double>(m) <= 0x1p-40 * before * before)
      return std::sqrt(before * before - removed);
    const double after = basisNorm(n, w);
    if (after > 0.7071 * before) return after;
    before = after;
  }
  return before;
}

// out[0..n) uniform on [-1, 1): two 32-bit values per 64-bit SplitMix64 output (Steele et al.
// 2014) of a state seeded by one draw of `rng` (lanczos_passes/passes.hpp, uniforms). Start
// vectors only need to reach every direction; normals (a log per pair) took the time of 0.8 of a
// warm recording's products at P = 230, and of 4 of a cold solve's 20 (docs/algorithms.md §2.6).
void symmetricUniforms(Rng& rng, std::size_t n, double* out) { vec().uniforms(rng.next(), n, out); }

// A random unit vector orthogonal to the first m rows of Q; false if none exists (m == n).
bool freshDirection(std::size_t n, std::size_t m, const double* Q, Rng& rng, double* out, double* c) {
  if (m >= n) return false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    symmetricUniforms(rng, n, out);
    const double before = basisNorm(n, out);
    const double after = orthogonalize(n, m, Q, out, c, before);
    if (after > 1e-8 * before) {
      scaleBy(n, out, after);
      return true;
    }
  }
  return false;
}

void sortDescending(std::vector<RitzPair>& pairs) {
  // Stable either way (the same order as std::stable_sort); a short list by insertion, without
  // the temporary buffer std::stable_sort allocates at every call (every Lanczos step).
  if (pairs.size() > 32) {
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const RitzPair& x, const RitzPair& y) { return x.value > y.value; });
    return;
  }
  for (std::size_t i = 1; i < pairs.size(); ++i) {
    const RitzPair p = pairs[i];
    std::size_t j = i;
    for (; j > 0 && p.value > pairs[j - 1].value; --j) pairs[j] = pairs[j - 1];
    pairs[j] = p;
  }
}

// The Newton step's successor for d_m on (mu, inf): d_m(x) = r(x) + B / (x - mu), where the pole
// term B / (x - mu), B = b_{m-1}^2 s_{m-1}^2(T_{m-1}) (muLast2), is known and the rest,
// r(x) = a_m - x - b_{m-1}^2 sum over the other eigenvalues of T_{m-1}, is convex, decreasing
// and gently curved there (its poles are a spectral gap away). The step keeps the pole exact and
// linearizes only r (matching d_m and d_m' at x): the root of r(x) + r'(x)(y - x) + B / (y - mu).
// Convexity of r puts that model below d_m, so from the left of the root the step stays left of
// it, like Newton's, and lands at least as close (the model lies above Newton's tangent); near a
// pole, where Newton crawls (a top pair far from converged, the usual case of a cold solve), it is
// exact but for r's curvature. In y - mu = z: r' z^2 + (r - r' (x - mu)) z + B = 0, whose positive
// root is taken in the form without cancellation. Rounding in r = d_m - B / (x - mu) and
// r' = d_m' + B / (x - mu)^2 (which cancel near the pole) moves the root by a relative eps of the
// step and of x - mu. Where the model degenerates (no pole weight, x not right of mu, r' not
// negative from rounding) the Newton step.
inline double poleStep(double x, double f, double fp, double mu, double pole) {
  const double t = -f / fp;
  const double delta = x - mu;
  // Newton's own error is below t^2 / (x - mu) (every pole of d_m is at or left of mu, so
  // d_m'' <= 2 |d_m'| / (x - mu) right of x), here 2^-60 |x|, far below the stopping test's
  // 4 eps |x|: the model would only add its divisions and square root to the serial chain.
  if (!(t * t > 0x1p-60 * std::fabs(x) * delta) || !(pole > 0)) return x + t;
  const double inv = 1.0 / delta;
  const double h = pole * inv;
  const double r = f - h;
  const double rp = fp + h * inv;
  if (!(rp < 0)) return x + t;
  const double k = r - rp * delta;
  const double root = std::sqrt(k * k - 4 * rp * pole);
  const double z = k >= 0 ? (k + root) / (-2 * rp) : 2 * pole / (root - k);
  const double next = mu + z;
  return std::isfinite(next) ? next : x + t;
}

// The square of the last component of the unit eigenvector of sign T at x by the twisted
// factorization of tridiagonalEigenvector, in one bottom-up pass that reuses extremeRitzUpdate's
// evaluation at this x: d[0..m-1) holds 1 / d_j, the top-down pivots, and d[m..2m) the sums
// t_j = -d_j'(x) = sum_{i <= j} (v_i / v_j)^2 of the top-down solution v (the same-sign sums of
// the derivative's recurrence); f = d_{m-1}. Going up, the bottom-up pivots u_j (from trailing
// minors, as the top-down ones) give S_j = sum_{i >= j} (v_i / v_j)^2 = 1 + (b_j / u_{j+1})^2 S_{j+1}
// and L_j = (v_{m-1} / v_j)^2 = (b_j / u_{j+1})^2 L_{j+1} for the bottom-up solution, and
// gamma_j = d_j + u_j - (sign a_j - x) = d_j - b_j^2 / u_{j+1}; twisted at r = argmin |gamma_j|
// the last component's square is L_r / (t_r + S_r - 1): the same vector as the twisted
// factorization's (top-down above r, bottom-up below), its norm summed by recurrences instead of a
// back-substitution, so the forward chain and the second pass are gone. Returns -1 where a
// trailing minor vanishes or a sum is not finite (the caller then runs tridiagonalEigenvector).
double lastComponentAfterEvaluation(std::size_t m, const double* a, const double* b, double sign, double x, double f,
                                    const double* d) {
  const double* t = d + m;
  // |gamma_r| = bestNum / bestDen, compared by cross-multiplication (no division on the way).
  double bestNum = std::fabs(f), bestDen = 1.0, bestL = 1.0, bestS = 1.0, bestT = t[m - 1];
  double qPrev = 1.0, q = sign * a[m - 1] - x, S = 1.0, L = 1.0;
  for (std::size_t j = m - 1; j-- > 0;) {
    if (!(q != 0.0)) return -1.0;
    const double w = qPrev / q;  // 1 / u_{j+1}
    const double b2 = b[j] * b[j];
    const double c = b2 * w * w;
    S = 1.0 + c * S;
    L = c * L;
    const double num = std::fabs(1.0 - b2 * w * d[j]), den = std::fabs(d[j]);  // |gamma_j| = num / den
    const double next = (sign * a[j] - x) * q - b2 * qPrev;
    qPrev = q;
    q = next;
    rescalePair(q, qPrev);
    if (num * bestDen <= bestNum * den) bestNum = num, bestDen = den, bestL = L, bestS = S, bestT = t[j];
  }
  const double last = bestL / (bestT + bestS - 1.0);
  return std::isfinite(last) ? last : -1.0;
}

}  // namespace

ExtremeRitz extremeRitzUpdate(std::size_t m, const double* a, const double* b, double sign, double mu, double muLast2,
                              double* d, double* vector) {
  if (m == 1) {
    if (vector) vector[0] = 1.0;
    return {sign * a[0], 1.0};
  }
  const double p = sign * a[m - 1];
  const double c2 = b[m - 2] * b[m - 2] * muLast2;
  const double h = 0.5 * (mu - p);
  const double x0 = 0.5 * (mu + p) + std::sqrt(h * h + c2);
  const double pole = c2;
  // The bracket's upper end: +inf until a point right of the root is seen. Only a bisection
  // reads it, and only then is the Gershgorin bound computed (Newton's steps from the left stay
  // below the root, so an upper bound they never read would be O(m) per call for nothing: the
  // same iterates either way).
  double hi = std::numeric_limits<double>::infinity();
  // |b_{k-1}| + |b_k|: row k's off-diagonal mass (the Gershgorin radius), for both bounds below.
  auto radius = [&](std::size_t k) {
    return (k > 0 ? std::fabs(b[k - 1]) : 0.0) + (k + 1 < m ? std::fabs(b[k]) : 0.0);
  };
  auto upper = [&]() {
    if (hi != std::numeric_limits<double>::infinity()) return hi;
    double g = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < m; ++k) g = std::max(g, sign * a[k] + radius(k));
    return g;
  };
  // Beyond the rounding of the pivots near theta_max(T_{m-1}): their backward errors are
  // O(eps ||T||) per link (||T|| bounded by the rows' absolute sums).
  auto roundingMargin = [&]() {
    double norm = std::fabs(mu);
    for (std::size_t k = 0; k < m; ++k) norm = std::max(norm, std::fabs(a[k]) + radius(k));
    return 16.0 * static_cast<double>(m) * std::numeric_limits<double>::epsilon() * norm;
  };
  double lo = mu, x = x0;
  // d_m(x) and d_m'(x); false when a leading pivot is not negative (x is not above
  // theta_max(T_{m-1}) in floating point). The pivots come from the leading minors
  // p_k = det(sign T_k - x I) = d_1 ... d_k, p_{k+1} = (sign a_k - x) p_k - b_{k-1}^2 p_{k-1}, as
  // d_k = p_k / p_{k-1}: the serial chain carries a multiplication and a subtraction per k where
  // d_{k+1} = sign a_k - x - b_{k-1}^2 / d_k carried a division (13 or more cycles of latency:
  // these chains took a third of a Hessian-vector product per Lanczos step at P = 230). The
  // divisions left, 1 / d_k = p_{k-1} / p_k for the derivative d_{k+1}' = -1 + (b_{k-1}^2 / d_k^2)
  // d_k' (a sum of terms of one sign), are off the chain and pipeline. The minors grow or shrink
  // like ||T||^k; both kept ones are rescaled by 2^-+500 (exact, ratios unchanged) when they leave
  // [2^-500, 2^500] (within the fast window of ||T||, 2^+-100, a link moves them by at most 2^102,
  // a pass of two links by at most 2^204).
  double f = 0.0, fp = -1.0;
  int evaluations = 0;
  auto evaluate = [&](double at) {
    ++evaluations;
    double pPrev = 1.0, p = sign * a[0] - at, dpk = -1.0;
    std::size_t k = 1;
    for (; k + 1 < m; k += 2) {
      // Two links per pass: p_{k+2} = (A_{k+1} A_k - B_{k+1}) p_k - A_{k+1} B_k p_{k-1}
      // (A_k = sign a_k - x, B_k = b_{k-1}^2) from the kept pair, and p_{k+1} beside it, off the
      // chain; likewise d'_{k+2} = (-1 - c_{k+1}) + c_{k+1} c_k d'_k (c_k = B_k / d_k^2, terms of
      // one sign). Each chain then carries a multiplication and an addition per two links.
      const double a0 = sign * a[k] - at, a1 = sign * a[k + 1] - at;
      const double b0 = b[k - 1] * b[k - 1], b1 = b[k] * b[k];
      const double p1 = a0 * p - b0 * pPrev;
      const double p2 = (a1 * a0 - b1) * p - (a1 * b0) * pPrev;
      // d_k = p_k / p_{k-1} < 0 and d_{k+1} < 0 (by the signs: branches that wait for no division;
      // a zero or NaN minor fails).
      if (!(p != 0.0) || !(p1 != 0.0) || std::signbit(p) == std::signbit(pPrev) || std::signbit(p1) == std::signbit(p))
        return false;
      const double inv0 = pPrev / p, inv1 = p / p1;  // 1 / d_k, 1 / d_{k+1}
      const double c0 = b0 * inv0 * inv0, c1 = b1 * inv1 * inv1;
      d[k - 1] = inv0;
      d[k] = inv1;
      d[m + k] = 1.0 - c0 * dpk;
      dpk = (-1.0 - c1) + (c1 * c0) * dpk;
      d[m + k + 1] = -dpk;
      pPrev = p1;
      p = p2;
      rescalePair(p, pPrev);
    }
    if (k < m) {
      if (!(p != 0.0) || std::signbit(p) == std::signbit(pPrev)) return false;
      const double inv = pPrev / p;  // 1 / d_k
      const double b2 = b[k - 1] * b[k - 1];
      dpk = -1.0 + (b2 * inv * inv) * dpk;
      d[k - 1] = inv;
      d[m + k] = -dpk;
      const double next = (sign * a[k] - at) * p - b2 * pPrev;
      pPrev = p;
      p = next;
      rescalePair(p, pPrev);
    }
    d[m] = 1.0;
    f = p / pPrev;
    fp = dpk;
    return true;
  };
  bool evaluatedAtX = false;
  for (int it = 0; it < 200; ++it) {
    evaluatedAtX = evaluate(x);
    if (!evaluatedAtX && it == 0) {
      // At the start: x0 is within rounding of mu (not above theta_max(T_{m-1}) in floating
      // point). So is the root when r(mu) < 0, the usual case. But where the top pair has
      // converged (its pole weight at rounding level) while r(mu) > 0, a new top eigenvalue has
      // surfaced from the rest of the spectrum and the root is a gap above mu (random
      // tridiagonals past a solve's stopping point show it, 3-26% off): probe a rounding margin
      // above mu, and go on from there when d_m is still positive.
      const double probe = mu + roundingMargin();
      if (!(probe > x) || !evaluate(probe) || !(f > 0)) break;
      x = probe;
      evaluatedAtX = true;
    } else if (!evaluatedAtX) {
      lo = std::max(lo, x);
      const double mid = 0.5 * (lo + upper());
      // The bracket has closed on x (adjacent doubles): evaluating again would give the same
      // failure (the loop used to spin to its cap here, 1 call in 10^4 along a run).
      if (mid == x) break;
      x = mid;
      continue;
    }
    if (f > 0) lo = std::max(lo, x);
    else if (f < 0) hi = std::min(hi, x);
    else break;
    const double next = poleStep(x, f, fp, mu, pole);
    if (std::fabs(next - x) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(x) || !(hi > lo)) break;
    // Newton from the left stays in the bracket; from the right (x0 above the root by
    // rounding) it may overshoot below it: bisect then.
    const double to = next > lo && next < hi ? next : 0.5 * (lo + upper());
    // The bracket has closed on x (adjacent doubles) while the Newton step, from pivots that
    // carry rounding near the pole, is still large: another evaluation would give the same (the
    // loop ran to its cap here, 2 calls in 9 289 along the benchmark's runs).
    if (to == x) break;
    x = to;
    evaluatedAtX = false;
  }
  // Far from convergence the derivative gives the last component, s_m^2 = 1 / -d_m'(theta)
  // (d_m = det(T - x) / det(T_{m-1} - x)); it loses digits as s_m gets small (the pivots near
  // the pole carry absolute errors), and there the twisted factorization takes over.
  if (evaluatedAtX && !vector) {
    if (-fp < 1e4) return {x, -1.0 / fp, evaluations};
    const double last = lastComponentAfterEvaluation(m, a, b, sign, x, f, d);
    if (last >= 0) return {x, last, evaluations};
  }
  return {x, tridiagonalEigenvector(m, a, b, sign, x, d, vector), evaluations};
}

double tridiagonalEigenvector(std::size_t m, const double* a, const double* b, double sign, double x, double* d,
                              double* vector) {
  if (m == 1) {
    if (vector) vector[0] = 1.0;
    return 1.0;
  }
  // Top-down pivots d[0..m) and bottom-up pivots u[0..m) of sign T - x I,
  // gamma_k = d_k + u_k - (sign a_k - x) = 1 / ((sign T - x I)^-1)_kk, twisted at
  // r = argmin |gamma_k|: s_r = 1, s_k = -b_k s_{k+1} / d_k above r, s_k = -b_{k-1} s_{k-1} / u_k
  // below. A zero pivot (x an eigenvalue of a leading or trailing block to the last bit) is
  // nudged. The pivots come from the leading and trailing minors, as in extremeRitzUpdate (a
  // multiplication and a subtraction per link of the serial chains, the divisions
  // d_k = p_{k+1} / p_k off them; the two chains are independent and run side by side); a zero
  // minor stands for the nudged pivot. Outside 2^+-100 (where lanczos() never calls it: its fast
  // window) the pivots' own recurrence, whose links are divisions. The back-substitutions multiply
  // s by quotients that do not depend on it: one multiplication per link.
  double scale = std::fabs(x), coupling = 0.0;
  for (std::size_t k = 0; k < m; ++k) scale = std::max(scale, std::fabs(a[k]));
  for (std::size_t k = 0; k + 1 < m; ++k) coupling = std::max(coupling, std::fabs(b[k]));
  const double tiny = std::numeric_limits<double>::epsilon() * scale * 1e-3 + std::numeric_limits<double>::min();
  auto guard = [tiny](double v) { return v == 0.0 ? -tiny : v; };
  double* u = d + m;
  if (scale < 0x1p+100 && coupling < 0x1p+100) {
    double pPrev = 1.0, p = sign * a[0] - x, qPrev = 1.0, q = sign * a[m - 1] - x;
    d[0] = p;
    u[m - 1] = q;
    for (std::size_t k = 1; k < m; ++k) {
      const std::size_t j = m - 1 - k;
      if (p == 0.0) p = -tiny * pPrev;
      if (q == 0.0) q = -tiny * qPrev;
      const double pNext = (sign * a[k] - x) * p - b[k - 1] * b[k - 1] * pPrev;
      const double qNext = (sign * a[j] - x) * q - b[j] * b[j] * qPrev;
      pPrev = p;
      p = pNext;
      qPrev = q;
      q = qNext;
      d[k] = p / pPrev;
      u[j] = q / qPrev;
      rescalePair(p, pPrev);
      rescalePair(q, qPrev);
    }
  } else {
    d[0] = sign * a[0] - x;
    for (std::size_t k = 1; k < m; ++k) d[k] = sign * a[k] - x - b[k - 1] * b[k - 1] / guard(d[k - 1]);
    u[m - 1] = sign * a[m - 1] - x;
    for (std::size_t k = m - 1; k-- > 0;) u[k] = sign * a[k] - x - b[k] * b[k] / guard(u[k + 1]);
  }
  std::size_t r = 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < m; ++k) {
    const double g = std::fabs(d[k] + u[k] - (sign * a[k] - x));
    if (g < best) best = g, r = k;
  }
  double sum = 1.0, s = 1.0, last = r == m - 1 ? 1.0 : 0.0;
  if (vector) vector[r] = 1.0;
  for (std::size_t k = r; k-- > 0;) {
    s *= -b[k] / guard(d[k]);
    sum += s * s;
    if (vector) vector[k] = s;
  }
  s = 1.0;
  for (std::size_t k = r + 1; k < m; ++k) {
    s *= -b[k - 1] / guard(u[k]);
    sum += s * s;
    last = s;
    if (vector) vector[k] = s;
  }
  if (!std::isfinite(sum)) return 0.0;
  if (vector) {
    const double inv = 1.0 / std::sqrt(sum);
    for (std::size_t k = 0; k < m; ++k) vector[k] *= inv;
  }
  return last * last / sum;
}

LanczosProcess::LanczosProcess(SymmetricOperator& op, std::size_t maxBasis, LanczosWorkspace* workspace)
    : op_(op), n_(op.dimension()), workspace_(workspace) {
  const std::size_t rows = checkedAdd(maxBasis, 1, "maxIterations");
  memory_.grow(doubleBytes(checkedAdd(checkedMul(rows + 1, n_, "maxIterations"), 6 * rows + 2, "maxIterations"),
                           "maxIterations"),
               "maxIterations");
  if (workspace_) {
    Q_ = std::move(workspace_->Q);
    capacity_ = workspace_->capacity;
    w_ = std::move(workspace_->w);
    c_ = std::move(workspace_->c);
    alpha_ = std::move(workspace_->alpha);
    beta_ = std::move(workspace_->beta);
    pivots_ = std::move(workspace_->pivots);
    topVector_ = std::move(workspace_->topVector);
    omega_ = std::move(workspace_->omega);
    omegaOld_ = std::move(workspace_->omegaOld);
    candidates_ = std::move(workspace_->candidates);
    ritzVector_ = std::move(workspace_->ritzVector);
    alpha_.clear();
    beta_.clear();
  }
  // Every product writes all of w before it is read: not zero-filled.
  w_.resize(n_);
  ritzVector_.resize(n_);  // written before it is read, as w
  c_.resize(std::max(c_.size(), rows));
  pivots_.resize(std::max(pivots_.size(), 2 * rows));
  topVector_.resize(std::max(topVector_.size(), rows));
  omega_.resize(std::max(omega_.size(), rows + 1));
  omegaOld_.resize(std::max(omegaOld_.size(), rows + 1));
  // The basis grows inside one reservation (growBasis), so that a short solve does not map and
  // fault in the whole basis.
  rows_ = rows;
  growBasis();
  alpha_.reserve(maxBasis);
  beta_.reserve(maxBasis);
}

LanczosProcess::~LanczosProcess() {
  if (!workspace_) return;
  workspace_->Q = std::move(Q_);
  workspace_->capacity = capacity_;
  workspace_->w = std::move(w_);
  workspace_->c = std::move(c_);
  workspace_->alpha = std::move(alpha_);
  workspace_->beta = std::move(beta_);
  workspace_->pivots = std::move(pivots_);
  workspace_->topVector = std::move(topVector_);
  workspace_->omega = std::move(omega_);
  workspace_->omegaOld = std::move(omegaOld_);
  workspace_->candidates = std::move(candidates_);
  workspace_->ritzVector = std::move(ritzVector_);
}

// Room for row m_ of the basis, never zero-filled: rows are written before they are read, and the
// pages of rows a solve never reaches are never touched. The first allocation holds 2^22 doubles
// (32 MiB of address space, of which a solve faults in only what it writes) or at least 32 rows,
// capped at the reserved maximum; past it the buffer doubles, copying the rows written so far. It
// keeps its size across the solves that share a workspace. (A std::vector grown a row at a time
// zero-filled and copied the basis five times in a cold solve: 0.8x its products at P = 230.)
void LanczosProcess::growBasis() {
  const std::size_t need = (m_ + 1) * n_;
  if (capacity_ >= need) return;
  const std::size_t first = std::max<std::size_t>(32, (std::size_t(1) << 22) / std::max<std::size_t>(n_, 1));
  const std::size_t rows =
      std::max(m_ + 1, std::min(rows_, std::max(first, 2 * (capacity_ / std::max<std::size_t>(n_, 1)))));
  std::unique_ptr<double[]> bigger(new double[rows * n_]);
  if (m_ > 0) std::copy(Q_.get(), Q_.get() + m_ * n_, bigger.get());
  Q_ = std::move(bigger);
  capacity_ = rows * n_;
}

void LanczosProcess::track(std::size_t k, bool smallest) {
  fast_ = k == 1;
  fastSmallest_ = smallest;
}

void LanczosProcess::begin(const double* start, double startNoise, Rng& rng) {
  const std::size_t n = n_;
  double* q = Q_.get();
  double q0 = 0.0;
  if (start) {
    const double s = basisNorm(n, start);
    if (!std::isfinite(s)) fail(ErrorCode::Value, "start", "the start vector must be finite");
    // v0 + 1e-3 (||v0|| / sqrt n) xi with xi of unit variance per entry.
    const double scale = s > 0 ? startNoise * s / std::sqrt(double(n)) * std::sqrt(3.0) : 1.0;
    symmetricUniforms(rng, n, q);
    q0 = std::sqrt(vec().addScaled(n, start, scale, q));
  } else {
    symmetricUniforms(rng, n, q);
    q0 = basisNorm(n, q);
  }
  if (!(q0 > 0) || !std::isfinite(q0)) fail(ErrorCode::Value, "start", "the start vector must be finite and nonzero");
  scaleBy(n, q, q0);
}

double LanczosProcess::extend() {
  const std::size_t n = n_;
  const std::size_t j = m_;  // index of q_j, the vector multiplied now
  const double* qm = Q_.get() + j * n;
  double* w = w_.data();
  op_.apply(qm, w);
  ++products_;
  // A non-finite entry of w makes alpha non-finite (inf * 0 is NaN): one test instead of a pass.
  const double a = vec().dot(n, qm, w);
  if (!std::isfinite(a)) fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
  alpha_.push_back(a);
  const double bPrev = j > blockStart_ ? beta_.back() : 0.0;
  // The three-term recurrence first (w -= alpha q_m + beta q_{m-1}), which removes almost all of
  // w's component in the basis, in one pass that also sums w's squares.
  const double* qp = bPrev != 0.0 ? qm - n : qm;
  const double bp = bPrev != 0.0 ? bPrev : 0.0;
  const double squares = vec().recurrence(n, w, qm, a, qp, bp);
  ++m_;
  const double recurrenceNorm = std::sqrt(squares);
  double b;
  if (!partialReorthogonalization()) {
    // Full reorthogonalization at every step: one classical Gram-Schmidt pass (two matrix-vector
    // products), a second one only when the first still cancelled (DGKS).
    b = orthogonalize(n, m_, Q_.get(), w, c_.data(), recurrenceNorm);
    ++reorthogonalizations_;
  } else {
    b = partialStep(j, a, bPrev, recurrenceNorm);
  }
  tNorm_ = std::max(tNorm_, std::fabs(a) + b + bPrev);
  return b;
}

// Partial reorthogonalization (Simon 1984; docs/algorithms.md §2.2): the three-term
// recurrence alone keeps the basis orthogonal until a Ritz pair converges; the level of
// orthogonality omega_{j+1,k} = q_{j+1}^T q_k follows a recurrence of its own (O(j), no vector
// work),
//   beta_j omega_{j+1,k} = beta_k omega_{j,k+1} + (alpha_k - alpha_j) omega_{j,k}
//                          + beta_{k-1} omega_{j,k-1} - beta_{j-1} omega_{j-1,k} (+ rounding),
// with a rounding term psi = eps sqrt(n) ||T|| added in the direction of growth. While every
// |omega| stays below sqrt(eps) the basis is semiorthogonal, which keeps the tridiagonal matrix's
// Ritz values those of H to working accuracy (Simon's theorem); once one passes it, w is
// reorthogonalized against the whole basis, and so is the next vector (its predecessor has lost
// as much), and the estimates restart at the rounding level. Only for top-1 solves in their first
// block (k > 1 and restarts keep full reorthogonalization: their multiplicity logic relies on it).
double LanczosProcess::partialStep(std::size_t j, double a, double bPrev, double recurrenceNorm) {
  const std::size_t n = n_;
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double delta = std::sqrt(eps);
  const double tn = std::max(tNorm_, std::fabs(a) + recurrenceNorm + bPrev);
  const double psi = eps * std::sqrt(static_cast<double>(n)) * tn;
  bool full = forceNext_ || !(recurrenceNorm > 0);
  // omegaOld_ <- omega_{j+1, 0..j} (over omega_{j-1}, no longer needed), then swapped in.
  if (!full) {
    const double* al = alpha_.data();
    const double* be = beta_.data();
    const double bj = recurrenceNorm;
    // The estimates only steer when to reorthogonalize (at sqrt(eps), far above their rounding):
    // one division, then multiplications (a division per k sat on the step's critical path).
    const double invBj = 1.0 / bj;
    double worst = 0.0;
    for (std::size_t k = 0; k < j; ++k) {
      double t = be[k] * omega_[k + 1] + (al[k] - a) * omega_[k] - bPrev * (k + 1 < j ? omegaOld_[k] : 1.0);
      if (k > 0) t += be[k - 1] * omega_[k - 1];
      t += t >= 0 ? psi : -psi;
      const double o = t * invBj;
      omegaOld_[k] = o;
      worst = std::max(worst, std::fabs(o));
    }
    omegaOld_[j] = psi / bj;
    worst = std::max(worst, psi / bj);
    full = !(worst <= delta);
  }
  if (full) {
    // Deferred to settle(): if the solve stops at this step, w never becomes a basis vector and
    // its norm (an upper bound of the coupling, to O(omega^2)) only enters the residual estimate.
    pending_ = true;
    // A request of the estimates' own (not the one that follows it) takes a fresh Ritz vector for
    // the selective orthogonalization; the one after it reuses that vector.
    if (!forceNext_) ritzVectorRows_ = 0;
    ++reorthogonalizations_;
    // A reorthogonalization the estimates asked for also covers the next vector.
    forceNext_ = !forceNext_;
    const double level = recurrenceNorm > 0 ? psi / recurrenceNorm : 0.0;
    for (std::size_t k = 0; k <= j; ++k) omegaOld_[k] = level;
  }
  omegaOld_[j + 1] = 1.0;
  std::swap(omega_, omegaOld_);
  return recurrenceNorm;
}

double LanczosProcess::settle(double b) {
  if (!pending_) return b;
  pending_ = false;
  double after = b;
  if (selectiveOrthogonalization()) {
    after = orthogonalizeAgainstTop(b);
    ++selectiveOrthogonalizations_;
  } else if (requests_ != Requests::Ignore || !partialReorthogonalization()) {
    after = orthogonalize(n_, m_, Q_.get(), w_.data(), c_.data(), b);
  }
  tNorm_ = std::max(tNorm_, std::fabs(alpha_.back()) + after + (m_ - 1 > blockStart_ ? beta_.back() : 0.0));
  return after;
}

// Selective orthogonalization (Parlett and Scott 1979), the top-1 solve's form of the partial
// reorthogonalization's request: in exact arithmetic every Lanczos vector is orthogonal to the
// basis, and in floating point the orthogonality is lost only in the directions of Ritz vectors
// that have converged (Paige 1971: y_i^T q_{j+1} ~ eps ||T|| / |beta_j s_{j,i}|). Near the end of
// a top-1 solve that is the top Ritz vector y = Q s, the pair whose residual |beta s_m| falls
// towards tol |theta| < sqrt(eps) ||T||: w is orthogonalized against y alone (forming y: m n
// flops, then 4 n) instead of against the whole basis (4 m n). The next request (the step after,
// which the estimates always make too) reuses the same y: it moved by the residual since, and its
// component along the difference is below rounding. ||y|| = ||s|| = 1 to the basis'
// semiorthogonality (sqrt(eps)), so the coefficient y^T w is exact to that relative level, and
// what it leaves along y is sqrt(eps) of a component already at sqrt(eps) ||w||.
// The top pair's residual r = |beta s_m| at this step is at most 10 sqrt(eps) ||T||: by Paige the
// basis has then lost at least about eps ||T|| / r >= sqrt(eps) / 10 of orthogonality to the top
// Ritz vector, the level the estimates ask at. Above it, another pair must have converged further
// (e.g. the bottom one, when |lambda_min| > lambda_max near a small initialization) and the whole
// basis is used. The factor 10 is measured: on 4 293 recordings along twelve Marion-Chizat runs
// (scale 0.25-0.5, eta 0.02-0.2, 600 steps) the products are those of full reorthogonalization in
// every solve at 10 (and at 1); at 100, 8 solves take one more product; without the test, 120.
bool LanczosProcess::topExplainsLoss() const {
  const double residual = std::fabs(lastBeta_) * std::sqrt(topLast2_);
  return residual <= 10.0 * std::sqrt(std::numeric_limits<double>::epsilon()) * tNorm_;
}

double LanczosProcess::orthogonalizeAgainstTop(double before) {
  const std::size_t n = n_;
  double* y = ritzVector_.data();
  if (ritzVectorRows_ == 0) {
    ritzVectorRows_ = m_;
    tridiagonalEigenvector(m_, alpha_.data(), beta_.data(), 1.0, top_, pivots_.data(), topVector_.data());
    combineRows(n, m_, Q_.get(), topVector_.data(), y);
  }
  double* w = w_.data();
  for (int pass = 0; pass < 2; ++pass) {
    const double c = vec().dot(n, y, w);
    vec().removeAlong(n, c, y, w);
    // As in orthogonalize (m = 1): a pass that removed almost nothing leaves sqrt(||w||^2 - c^2).
    if (before < 0x1p+500 && c * c <= 0x1p-40 * before * before) return std::sqrt(before * before - c * c);
    const double after = basisNorm(n, w);
    if (after > 0.7071 * before) return after;
    before = after;
  }
  return before;
}

void LanczosProcess::fullRitz(double b) {
  // Ritz values of the open block and the last components of their vectors.
  const std::size_t len = m_ - blockStart_;
  values_.resize(len);
  lastRow_.resize(len);
  linalg::tridiagonalEigenLastRow(len, alpha_.data() + blockStart_, beta_.data() + blockStart_, values_.data(),
                                  lastRow_.data());
  candidates_.clear();
  for (std::size_t f = 0; f < finished_.size(); ++f)
    for (std::size_t i = 0; i < finished_[f].length; ++i)
      candidates_.push_back({finished_[f].values[i], finished_[f].residuals[i], f, i});
  for (std::size_t i = 0; i < len; ++i)
    candidates_.push_back({values_[i], std::fabs(b * lastRow_[i]), finished_.size(), i});
  sortDescending(candidates_);
  full_ = true;
  // Just after a restart the open block is empty: no Ritz value of its own to start the fast
  // updates from (the closed blocks' values are in candidates_).
  if (len == 0) return;
  top_ = values_.back();
  topRows_ = m_;
  topLast2_ = lastRow_.back() * lastRow_.back();
  low_ = values_.front();
  lowLast2_ = lastRow_.front() * lastRow_.front();
}

// extremeRitzUpdate squares the couplings: inside this window of ||T|| nothing over- or underflows
// (outside it the full decomposition, which scales, takes over).
bool LanczosProcess::fastWindow() const { return tNorm_ < 0x1p+100 && tNorm_ > 0x1p-100; }

const std::vector<RitzPair>& LanczosProcess::ritzPairs(double b) {
  lastBeta_ = b;
  // An empty open block (just after a restart) has nothing to update: the closed blocks' values.
  if (!fast_ || !fastWindow() || m_ == blockStart_) {
    fullRitz(b);
    return candidates_;
  }
  full_ = false;
  const std::size_t len = m_ - blockStart_;
  const double* a = alpha_.data() + blockStart_;
  const double* bb = beta_.data() + blockStart_;
  const ExtremeRitz top = extremeRitzUpdate(len, a, bb, 1.0, top_, topLast2_, pivots_.data());
  top_ = top.value;
  topRows_ = m_;
  topLast2_ = top.lastSquared;
  candidates_.clear();
  for (std::size_t f = 0; f < finished_.size(); ++f)
    for (std::size_t i = 0; i < finished_[f].length; ++i)
      candidates_.push_back({finished_[f].values[i], finished_[f].residuals[i], f, i});
  candidates_.push_back({top_, std::fabs(b) * std::sqrt(topLast2_), finished_.size(), len - 1});
  if (fastSmallest_ && len > 1) {
    const ExtremeRitz low = extremeRitzUpdate(len, a, bb, -1.0, -low_, lowLast2_, pivots_.data());
    low_ = -low.value;
    lowLast2_ = low.lastSquared;
    candidates_.push_back({low_, std::fabs(b) * std::sqrt(lowLast2_), finished_.size(), 0});
  } else if (len == 1) {
    low_ = top_;
    lowLast2_ = 1.0;
  }
  sortDescending(candidates_);
  return candidates_;
}

bool LanczosProcess::breakdown(double b) const {
  return b <= kLanczosNegligible * std::max(tNorm_, std::numeric_limits<double>::min());
}

bool LanczosProcess::converged(const LanczosOptions& o, double b) const {
  auto ok = [&](double value, double residual) { return accepted(value, residual, o.tol, tNorm_); };
  const std::vector<RitzPair>& candidates = candidates_;
  bool done = candidates.size() >= o.k;
  for (std::size_t i = 0; i < o.k && done; ++i) done = ok(candidates[i].value, candidates[i].residual);
  if (done && o.smallest) done = ok(candidates.back().value, candidates.back().residual);
  if (done && o.k > 1 && !finished_.empty()) {
    // After a breakdown the new block explores the orthogonal complement, which holds only
    // further copies of eigenvalues already found (the first block, from a random start, saw
    // every eigenspace). Stop once the new block's top is converged and adds nothing to the
    // top k: then no copy above the k-th value is left (a multiplicity larger than one shows
    // up as one copy per block).
    std::vector<double> previous;
    for (const Block& f : finished_) previous.insert(previous.end(), f.values.begin(), f.values.end());
    std::sort(previous.begin(), previous.end(), std::greater<double>());
    const double top = values_.back(), topResidual = std::fabs(b * lastRow_.back());
    const double kth = previous.size() >= o.k ? previous[o.k - 1] : -std::numeric_limits<double>::infinity();
    done = ok(top, topResidual) && top <= kth + std::max(o.tol * std::fabs(kth), kLanczosNegligible * tNorm_);
  }
  // The first block closing is no proof for k > 1: a repeated eigenvalue may have more copies
  // in the complement (checked by the next block, above).
  if (done && breakdown(b) && o.k > 1 && finished_.empty() && m_ < n_) done = false;
  return done;
}

void LanczosProcess::advance(double b) {
  b = settle(b);
  growBasis();
  beta_.push_back(b);
  scaledCopy(n_, w_.data(), b, Q_.get() + m_ * n_);
}

bool LanczosProcess::restart(double b, Rng& rng) {
  b = settle(b);
  if (!full_) fullRitz(b);
  growBasis();
  // Invariant subspace: its Ritz values are exact to the dropped coupling. Continue in the
  // orthogonal complement.
  const std::size_t len = m_ - blockStart_;
  Block f;
  f.start = blockStart_;
  f.length = len;
  f.values = values_;
  f.residuals.resize(len);
  for (std::size_t i = 0; i < len; ++i) f.residuals[i] = std::fabs(b * lastRow_[i]);
  finished_.push_back(std::move(f));
  beta_.push_back(0.0);
  blockStart_ = m_;
  ++restarts_;
  return freshDirection(n_, m_, Q_.get(), rng, Q_.get() + m_ * n_, c_.data());
}

void LanczosProcess::collectClosed() {
  candidates_.clear();
  for (std::size_t f = 0; f < finished_.size(); ++f)
    for (std::size_t i = 0; i < finished_[f].length; ++i)
      candidates_.push_back({finished_[f].values[i], finished_[f].residuals[i], f, i});
  sortDescending(candidates_);
}

void LanczosProcess::extract(std::size_t wanted, bool wantVectors, LanczosResult& result) {
  const std::size_t n = n_;
  if (!full_ && finished_.empty() && m_ > blockStart_) {
    // One block followed by extremeRitzUpdate: its top pair is the answer; the Ritz vector is
    // one matrix-vector product with the basis.
    result.values.assign(1, top_);
    result.residuals.assign(1, std::fabs(lastBeta_) * std::sqrt(topLast2_));
    result.smallest = fastSmallest_ ? low_ : std::numeric_limits<double>::quiet_NaN();
    result.smallestResidual =
        fastSmallest_ ? std::fabs(lastBeta_) * std::sqrt(lowLast2_) : std::numeric_limits<double>::quiet_NaN();
    if (!wantVectors) return;
    if (workspace_ && result.vectors.empty()) result.vectors = std::move(workspace_->vectors);
    result.vectors.resize(n);
    tridiagonalEigenvector(m_, alpha_.data(), beta_.data(), 1.0, top_, pivots_.data(), topVector_.data());
    combineRows(n, m_, Q_.get(), topVector_.data(), result.vectors.data());
    const double s = basisNorm(n, result.vectors.data());
    if (s > 0) scaleBy(n, result.vectors.data(), s);
    return;
  }
  // If the process ended right after closing a block, its pairs are all in `finished_`.
  if (m_ == blockStart_) collectClosed();
  else if (!full_) fullRitz(lastBeta_);
  const std::vector<RitzPair>& candidates = candidates_;
  const std::size_t k = std::min(wanted, candidates.size());
  result.values.resize(k);
  result.residuals.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    result.values[i] = candidates[i].value;
    result.residuals[i] = candidates[i].residual;
  }
  result.smallest = candidates.back().value;
  result.smallestResidual = candidates.back().residual;
  if (!wantVectors) return;
  result.vectors.assign(k * n, 0.0);
  std::vector<double> blockValues, S;
  std::size_t cached = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < k; ++i) {
    const RitzPair& r = candidates[i];
    const std::size_t start = r.block < finished_.size() ? finished_[r.block].start : blockStart_;
    const std::size_t length = r.block < finished_.size() ? finished_[r.block].length : m_ - blockStart_;
    if (cached != r.block) {
      blockValues.resize(length);
      S.resize(length * length);
      linalg::tridiagonalEigen(length, alpha_.data() + start, beta_.data() + start, blockValues.data(), S.data());
      cached = r.block;
    }
    double* y = result.vectors.data() + i * n;
    for (std::size_t j = 0; j < length; ++j) kernels::axpy(n, S[j * length + r.index], Q_.get() + (start + j) * n, y);
    const double s = basisNorm(n, y);
    if (s > 0) scaleBy(n, y, s);
  }
}

LanczosResult lanczos(SymmetricOperator& op, const LanczosOptions& o) {
  const std::size_t n = op.dimension();
  if (o.k < 1) fail(ErrorCode::Value, "k", "must be >= 1");
  if (o.k > n) fail(ErrorCode::Value, "k", "must be <= the number of parameters (" + std::to_string(n) + ")");
  if (!(o.tol > 0) || !std::isfinite(o.tol)) fail(ErrorCode::Value, "tol", "must be a finite number > 0");
  const std::size_t maxIter = std::min(n, o.maxIterations ? o.maxIterations : kLanczosDefaultMaxIterations);
  if (maxIter < o.k) fail(ErrorCode::Value, "maxIterations", "must be >= k");

  Rng rng(o.seed, Purpose::Eigensolver, {o.stream});
  LanczosProcess process(op, maxIter, o.workspace);
  process.track(o.k, o.smallest);
  process.begin(o.start, o.startNoise, rng);
  LanczosResult result;
  while (true) {
    o.cancel.check();
    const double b = process.extend();
    process.ritzPairs(b);
    const bool done = process.converged(o, b);
    const std::size_t m = process.size();
    result.iterations = m;
    if (m >= n) {
      // The basis spans the whole space: every Ritz pair is exact (to the last coupling).
      result.converged = true;
      break;
    }
    if (done || m >= maxIter) {
      result.converged = done;
      break;
    }
    // A reorthogonalization partial reorthogonalization deferred happens now (w is to be a basis
    // vector), before the breakdown test reads the coupling.
    const double settled = process.settle(b);
    if (!process.breakdown(settled)) {
      process.advance(settled);
    } else if (!process.restart(settled, rng)) {
      // The whole space is spanned: every eigenvalue has been found.
      result.converged = true;
      break;
    }
  }
  process.extract(o.k, o.wantVectors, result);
  result.products = process.products();
  result.restarts = process.restarts();
  return result;
}

PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           CancelFlag cancel) {
  PowerWorkspace work;
  return powerIteration(op, iterations, seed, stream, work, cancel);
}

PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           PowerWorkspace& work, CancelFlag cancel) {
  if (iterations < 1) fail(ErrorCode::Value, "powerIterations", "must be >= 1");
  const std::size_t n = op.dimension();
  Rng rng(seed, Purpose::Eigensolver, {stream, 1});
  work.v.resize(n);
  work.hv.resize(n);
  double* v = work.v.data();
  double* hv = work.hv.data();
  rng.normals(n, v);  // the same values as n calls of normal(), drawn in one pass
  const double inv0 = 1.0 / norm(n, v);
  for (std::size_t i = 0; i < n; ++i) v[i] *= inv0;
  PowerResult r;
  double current = 1.0;  // the reference code starts from new_eigv = 1.0
  // v is kept unnormalized (the iteration is scale-invariant): ||H v_k|| for the unit v_k is
  // ||H v|| / ||v||, and v is rescaled only when its norm drifts far from 1.
  double vNorm = 1.0;
  for (std::size_t k = 0; k < iterations; ++k) {
    cancel.check();
    r.estimate = current;
    op.apply(v, hv);
    ++r.products;
    const double hvNorm = norm(n, hv);
    current = hvNorm / vNorm;
    if (!(current > 0) || !std::isfinite(current)) {
      // H v = 0 (e.g. at the origin): the estimate is 0 from here on, as in exact arithmetic.
      if (current == 0.0) {
        r.estimate = k + 1 < iterations ? 0.0 : r.estimate;
        r.last = 0.0;
        return r;
      }
      fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
    }
    std::swap(v, hv);
    vNorm = hvNorm;
    if (!(vNorm < 1e100 && vNorm > 1e-100)) {
      const double inv = 1.0 / vNorm;
      for (std::size_t i = 0; i < n; ++i) v[i] *= inv;
      vNorm = 1.0;
    }
  }
  r.last = current;
  return r;
}

}  // namespace dln
