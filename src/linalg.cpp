#include "linalg.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>

#include "error.hpp"

namespace dln::linalg {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// sqrt(a^2 + b^2) without std::hypot's cost where the squares can neither overflow nor
// underflow (std::hypot otherwise). std::hypot dominated a Lanczos step's tridiagonal solve.
inline double pythag(double a, double b) {
  const double s = a * a + b * b;
  return s < 1e300 && s > 1e-300 ? std::sqrt(s) : std::hypot(a, b);
}

// Power-of-two scaling before the decompositions that square entries (LAPACK's dlascl idea):
// a matrix whose largest |entry| lies outside [2^-kScaleWindow, 2^kScaleWindow] is scaled by
// 2^-e to bring it into [1, 2), decomposed, and its singular values / eigenvalues scaled back by
// 2^e. Multiplying by a power of two is exact for every entry that stays normal, and every
// operation of these algorithms commutes with it, so the result is the unscaled algorithm's up to
// entries below 2^-1022 of the largest (negligible: their effect is far below eps |A|). Inside the
// window nothing changes (bitwise); outside it, squares of entries (column norms, Jacobi's
// alpha beta, QL's products of off-diagonals) would overflow or underflow.
constexpr int kScaleWindow = 100;

double maxAbs(std::size_t count, const double* A) {
  double m = 0.0;
  for (std::size_t i = 0; i < count; ++i) m = std::max(m, std::fabs(A[i]));
  return m;
}

// e with 2^-e * max|A| in [1, 2) if max|A| is outside the window, else 0 (also for 0, Inf, NaN).
int scaleExponent(double amax) {
  if (!(amax > 0.0) || !std::isfinite(amax)) return 0;
  const int e = std::ilogb(amax);
  return e > kScaleWindow || e < -kScaleWindow ? e : 0;
}

std::vector<double> scaledCopy(std::size_t count, const double* A, int e) {
  std::vector<double> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = std::ldexp(A[i], -e);
  return out;
}

void scaleBack(std::size_t count, double* values, int e) {
  for (std::size_t i = 0; i < count; ++i) values[i] = std::ldexp(values[i], e);
}

// Implicit QL on a tridiagonal matrix (d: diagonal, e: off-diagonal with e[n-1] = 0 after the
// shift below), rotating the columns of V (vrows x n row-major) when given. The rows of V
// transform independently, so V may hold only some rows of the eigenvector matrix (started as
// the same rows of the identity): the eigenvalues never depend on V.
template <bool Fast>
void tql2(std::size_t n, double* d, double* e, double* V, std::size_t vrows, const CancelFlag* cancel = nullptr) {
  for (std::size_t i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0.0;
  double f = 0.0, tst1 = 0.0;
  for (std::size_t l = 0; l < n; ++l) {
    if (cancel) cancel->check();
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    std::size_t m = l;
    while (m < n - 1 && std::fabs(e[m]) > kEps * tst1) ++m;
    if (m > l) {
      int iterations = 0;
      do {
        if (++iterations > 60) fail(ErrorCode::Internal, "", "symmetric eigensolver did not converge");
        if (cancel && V) cancel->check();  // with vectors, one sweep rotates O(n^2) entries
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = Fast ? pythag(p, 1.0) : std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (std::size_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
        const double el1 = e[l + 1];
        for (std::size_t ii = m; ii-- > l;) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[ii];
          h = c * p;
          r = Fast ? pythag(p, e[ii]) : std::hypot(p, e[ii]);
          e[ii + 1] = s * r;
          s = e[ii] / r;
          c = p / r;
          p = c * d[ii] - s * g;
          d[ii + 1] = h + s * (c * g + s * d[ii]);
          if (V) {
            for (std::size_t k = 0; k < vrows; ++k) {
              double* row = V + k * n;
              h = row[ii + 1];
              row[ii + 1] = s * row[ii] + c * h;
              row[ii] = c * row[ii] - s * h;
            }
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > kEps * tst1);
    }
    d[l] += f;
    e[l] = 0.0;
  }
}

// Householder reduction of the symmetric matrix in V (n x n, overwritten) to tridiagonal form
// (d, e); with `accumulate`, V ends as the orthogonal transformation.
void tred2(std::size_t n, double* V, double* d, double* e, bool accumulate, const CancelFlag& cancel) {
  // Each column costs O(i^2) strided accesses (tens of ms at n ~ 2000): the flag is also polled
  // every 64 rows inside it.
  auto at = [&](std::size_t i, std::size_t j) -> double& { return V[i * n + j]; };
  for (std::size_t j = 0; j < n; ++j) d[j] = at(n - 1, j);
  for (std::size_t i = n - 1; i > 0; --i) {
    cancel.check();
    double scale = 0.0, h = 0.0;
    for (std::size_t k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0.0) {
      e[i] = d[i - 1];
      for (std::size_t j = 0; j < i; ++j) {
        d[j] = at(i - 1, j);
        at(i, j) = 0.0;
        at(j, i) = 0.0;
      }
    } else {
      for (std::size_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (std::size_t j = 0; j < i; ++j) e[j] = 0.0;
      for (std::size_t j = 0; j < i; ++j) {
        if ((j & 63) == 63) cancel.check();
        f = d[j];
        at(j, i) = f;
        g = e[j] + at(j, j) * f;
        for (std::size_t k = j + 1; k < i; ++k) {
          g += at(k, j) * d[k];
          e[k] += at(k, j) * f;
        }
        e[j] = g;
      }
      f = 0.0;
      for (std::size_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (std::size_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (std::size_t j = 0; j < i; ++j) {
        if ((j & 63) == 63) cancel.check();
        f = d[j];
        g = e[j];
        for (std::size_t k = j; k < i; ++k) at(k, j) -= (f * e[k] + g * d[k]);
        d[j] = at(i - 1, j);
        at(i, j) = 0.0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    for (std::size_t j = 0; j < n; ++j) d[j] = at(j, j);
    e[0] = 0.0;
    return;
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    cancel.check();
    at(n - 1, i) = at(i, i);
    at(i, i) = 1.0;
    const double h = d[i + 1];
    if (h != 0.0) {
      for (std::size_t k = 0; k <= i; ++k) d[k] = at(k, i + 1) / h;
      for (std::size_t j = 0; j <= i; ++j) {
        if ((j & 63) == 63) cancel.check();
        double g = 0.0;
        for (std::size_t k = 0; k <= i; ++k) g += at(k, i + 1) * at(k, j);
        for (std::size_t k = 0; k <= i; ++k) at(k, j) -= g * d[k];
      }
    }
    for (std::size_t k = 0; k <= i; ++k) at(k, i + 1) = 0.0;
  }
  for (std::size_t j = 0; j < n; ++j) {
    d[j] = at(n - 1, j);
    at(n - 1, j) = 0.0;
  }
  at(n - 1, n - 1) = 1.0;
  e[0] = 0.0;
}

// Copies n x n row by row, polling the flag (touching fresh memory of a big matrix takes long).
void copyRows(std::size_t rows, std::size_t cols, const double* from, double* to, const CancelFlag* cancel) {
  for (std::size_t i = 0; i < rows; ++i) {
    if (cancel) cancel->check();
    std::memcpy(to + i * cols, from + i * cols, cols * sizeof(double));
  }
}

// Sorts eigenvalues ascending, permuting the columns of V (vrows x n) alike.
void sortAscending(std::size_t n, double* values, double* V, std::size_t vrows, const CancelFlag* cancel = nullptr) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> sorted(n);
  for (std::size_t i = 0; i < n; ++i) sorted[i] = values[order[i]];
  std::copy(sorted.begin(), sorted.end(), values);
  if (V) {
    std::unique_ptr<double[]> copy(new double[vrows * n]);
    copyRows(vrows, n, V, copy.get(), cancel);
    for (std::size_t k = 0; k < vrows; ++k) {
      if (cancel && (k & 63) == 63) cancel->check();
      for (std::size_t i = 0; i < n; ++i) V[k * n + i] = copy[k * n + order[i]];
    }
  }
}

}  // namespace

void symmetricEigen(std::size_t n, const double* A, double* values, double* vectors, CancelFlag cancel) {
  if (n == 0) return;
  if (const int e = scaleExponent(maxAbs(n * n, A))) {
    const std::vector<double> scaled = scaledCopy(n * n, A, e);
    symmetricEigen(n, scaled.data(), values, vectors, cancel);
    scaleBack(n, values, e);
    return;
  }
  std::unique_ptr<double[]> scratch;
  double* V = vectors;
  if (!V) {
    scratch.reset(new double[n * n]);
    V = scratch.get();
  }
  copyRows(n, n, A, V, &cancel);
  if (n == 1) {
    values[0] = V[0];
    if (vectors) vectors[0] = 1.0;
    return;
  }
  std::vector<double> e(n);
  tred2(n, V, values, e.data(), vectors != nullptr, cancel);
  tql2<false>(n, values, e.data(), vectors, n, &cancel);
  sortAscending(n, values, vectors, n, &cancel);
}

void tridiagonalEigen(std::size_t n, const double* diag, const double* off, double* values, double* vectors) {
  if (n == 0) return;
  if (const int e = scaleExponent(std::max(maxAbs(n, diag), maxAbs(n - 1, off)))) {
    const std::vector<double> d = scaledCopy(n, diag, e), o = scaledCopy(n - 1, off, e);
    tridiagonalEigen(n, d.data(), o.data(), values, vectors);
    scaleBack(n, values, e);
    return;
  }
  std::copy(diag, diag + n, values);
  if (vectors) {
    std::fill(vectors, vectors + n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) vectors[i * n + i] = 1.0;
  }
  if (n == 1) return;
  // tql2 expects the off-diagonal shifted by one (e[i] couples i-1 and i).
  std::vector<double> e(n, 0.0);
  for (std::size_t i = 1; i < n; ++i) e[i] = off[i - 1];
  tql2<true>(n, values, e.data(), vectors, n);
  sortAscending(n, values, vectors, n);
}

void tridiagonalEigenLastRow(std::size_t n, const double* diag, const double* off, double* values, double* lastRow) {
  if (n == 0) return;
  if (const int e = scaleExponent(std::max(maxAbs(n, diag), maxAbs(n - 1, off)))) {
    const std::vector<double> d = scaledCopy(n, diag, e), o = scaledCopy(n - 1, off, e);
    tridiagonalEigenLastRow(n, d.data(), o.data(), values, lastRow);
    scaleBack(n, values, e);
    return;
  }
  std::copy(diag, diag + n, values);
  std::fill(lastRow, lastRow + n, 0.0);
  lastRow[n - 1] = 1.0;
  if (n == 1) return;
  std::vector<double> e(n, 0.0);
  for (std::size_t i = 1; i < n; ++i) e[i] = off[i - 1];
  tql2<true>(n, values, e.data(), lastRow, 1);
  sortAscending(n, values, lastRow, 1);
}

void svd(std::size_t m, std::size_t n, const double* A, double* singular, double* U, double* V) {
  if (m == 0 || n == 0) return;
  if (m < n) {
    // Work on A^T so the rotations act on the shorter dimension; swap the roles of U and V.
    std::vector<double> At(n * m);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) At[j * m + i] = A[i * n + j];
    svd(n, m, At.data(), singular, V, U);
    return;
  }
  if (const int e = scaleExponent(maxAbs(m * n, A))) {
    const std::vector<double> scaled = scaledCopy(m * n, A, e);
    svd(m, n, scaled.data(), singular, U, V);
    scaleBack(n, singular, e);  // U and V do not depend on the scale
    return;
  }
  // One-sided Jacobi (Hestenes): orthogonalize the columns of G = A V by plane rotations.
  std::vector<double> G(A, A + m * n);
  std::vector<double> Vm(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) Vm[i * n + i] = 1.0;
  const double tol = 4.0 * kEps;
  for (int sweep = 0; sweep < 80; ++sweep) {
    bool rotated = false;
    for (std::size_t p = 0; p + 1 < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (std::size_t i = 0; i < m; ++i) {
          const double gp = G[i * n + p], gq = G[i * n + q];
          alpha += gp * gp;
          beta += gq * gq;
          gamma += gp * gq;
        }
        if (gamma == 0.0 || std::fabs(gamma) <= tol * std::sqrt(alpha * beta)) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2.0 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1.0 + zeta * zeta));
        const double c = 1.0 / std::sqrt(1.0 + t * t);
        const double s = c * t;
        for (std::size_t i = 0; i < m; ++i) {
          const double gp = G[i * n + p], gq = G[i * n + q];
          G[i * n + p] = c * gp - s * gq;
          G[i * n + q] = s * gp + c * gq;
        }
        for (std::size_t i = 0; i < n; ++i) {
          const double vp = Vm[i * n + p], vq = Vm[i * n + q];
          Vm[i * n + p] = c * vp - s * vq;
          Vm[i * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  std::vector<double> norms(n);
  for (std::size_t j = 0; j < n; ++j) {
    double s = 0;
    for (std::size_t i = 0; i < m; ++i) s += G[i * n + j] * G[i * n + j];
    norms[j] = std::sqrt(s);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return norms[a] > norms[b]; });
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t j = order[k];
    singular[k] = norms[j];
    if (U) {
      for (std::size_t i = 0; i < m; ++i) U[i * n + k] = norms[j] > 0 ? G[i * n + j] / norms[j] : 0.0;
    }
    if (V) {
      for (std::size_t i = 0; i < n; ++i) V[i * n + k] = Vm[i * n + j];
    }
  }
}

std::size_t leastSquares(std::size_t m, std::size_t n, std::size_t q, const double* X, const double* Y, double* W,
                         double rcond) {
  const std::size_t k = std::min(m, n);
  std::vector<double> s(k), U(m * k), V(n * k);
  svd(m, n, X, s.data(), U.data(), V.data());
  if (rcond < 0) rcond = static_cast<double>(std::max(m, n)) * kEps;
  const double cutoff = k ? rcond * s[0] : 0.0;
  std::size_t rank = 0;
  while (rank < k && s[rank] > cutoff) ++rank;
  // W = V diag(1/s) U^T Y over the numerical rank.
  std::vector<double> UtY(rank * q, 0.0);
  for (std::size_t a = 0; a < rank; ++a)
    for (std::size_t i = 0; i < m; ++i) {
      const double u = U[i * k + a];
      for (std::size_t c = 0; c < q; ++c) UtY[a * q + c] += u * Y[i * q + c];
    }
  std::fill(W, W + n * q, 0.0);
  for (std::size_t a = 0; a < rank; ++a) {
    const double inv = 1.0 / s[a];
    for (std::size_t j = 0; j < n; ++j) {
      const double v = V[j * k + a] * inv;
      for (std::size_t c = 0; c < q; ++c) W[j * q + c] += v * UtY[a * q + c];
    }
  }
  return rank;
}

void gram(std::size_t m, std::size_t n, const double* A, double scale, double* C) {
  if (const int e = scaleExponent(maxAbs(m * n, A))) {
    const std::vector<double> scaled = scaledCopy(m * n, A, e);
    gram(m, n, scaled.data(), scale, C);
    scaleBack(n * n, C, 2 * e);  // overflows or underflows only where A^T A / scale itself does
    return;
  }
  std::fill(C, C + n * n, 0.0);
  for (std::size_t i = 0; i < m; ++i) {
    const double* a = A + i * n;
    for (std::size_t j = 0; j < n; ++j) {
      const double aj = a[j];
      for (std::size_t k = j; k < n; ++k) C[j * n + k] += aj * a[k];
    }
  }
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = j; k < n; ++k) {
      C[j * n + k] /= scale;
      C[k * n + j] = C[j * n + k];
    }
}

double frobeniusNorm(std::size_t count, const double* A) {
  double s = 0;
  for (std::size_t i = 0; i < count; ++i) s += A[i] * A[i];
  // The sum of squares overflowed or may have lost entries to underflow: redo it scaled (the norm
  // itself is representable unless it exceeds the largest double).
  if (!(s <= 0x1p+1000) || s < 0x1p-900) {
    const double amax = maxAbs(count, A);
    if (!(amax > 0.0) || !std::isfinite(amax)) return amax > 0.0 ? amax : std::sqrt(s);  // Inf, or 0 / NaN
    const int e = std::ilogb(amax);
    double t = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const double a = std::ldexp(A[i], -e);
      t += a * a;
    }
    return std::ldexp(std::sqrt(t), e);
  }
  return std::sqrt(s);
}

}  // namespace dln::linalg
