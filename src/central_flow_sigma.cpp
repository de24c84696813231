#include "central_flow_sigma.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"

namespace dln {

namespace {

constexpr std::size_t kMaxK = 4;
constexpr std::size_t kMaxN = kMaxK * (kMaxK + 1) / 2;
// The barrier stage from which the face polish is tried (each try: small eigen-decompositions and
// solves of size <= 16): once the barrier iterate tells the active face apart, the polish lands on
// the solution and the stages stop.
constexpr double kPolishFrom = 1e-2;
const double kRoot2 = std::sqrt(2.0);

// Cholesky of an n x n symmetric matrix into L (lower, row-major); false if not positive definite.
bool cholesky(std::size_t n, const double* A, double* L) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double s = A[i * n + j];
      for (std::size_t p = 0; p < j; ++p) s -= L[i * n + p] * L[j * n + p];
      if (i == j) {
        if (!(s > 0) || !std::isfinite(s)) return false;
        L[i * n + i] = std::sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
    for (std::size_t j = i + 1; j < n; ++j) L[i * n + j] = 0.0;
  }
  return true;
}

// x = A^{-1} b from the Cholesky factor.
void choleskySolve(std::size_t n, const double* L, const double* b, double* x) {
  for (std::size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (std::size_t p = 0; p < i; ++p) s -= L[i * n + p] * x[p];
    x[i] = s / L[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    double s = x[i];
    for (std::size_t p = i + 1; p < n; ++p) s -= L[p * n + i] * x[p];
    x[i] = s / L[i * n + i];
  }
}

// The inverse of a symmetric positive definite k x k matrix from its Cholesky factor.
void inverseFromCholesky(std::size_t k, const double* L, double* inv) {
  double e[kMaxK], col[kMaxK];
  for (std::size_t j = 0; j < k; ++j) {
    for (std::size_t i = 0; i < k; ++i) e[i] = i == j ? 1.0 : 0.0;
    choleskySolve(k, L, e, col);
    for (std::size_t i = 0; i < k; ++i) inv[i * k + j] = col[i];
  }
}

double minEigen(std::size_t k, const double* X) {
  double values[kMaxK];
  linalg::symmetricEigen(k, X, values);
  return values[0];
}

double frob(std::size_t k, const double* X) { return linalg::frobeniusNorm(k * k, X); }

// y = B x on svec coordinates (n x n).
void applyB(std::size_t n, const double* B, const double* x, double* y) {
  for (std::size_t p = 0; p < n; ++p) y[p] = kernels::dot(n, B + p * n, x);
}

// The KKT residual of S (svec) for the problem (alpha, B), and Y = alpha + B[S] as a matrix. Y is
// measured against max(|Y|, |alpha|): at a solution of full rank Y is 0 up to rounding.
struct Kkt {
  double residual, minS, minY, comp;
};
Kkt kkt(std::size_t k, const double* alpha, const double* B, const double* s, double* Ymat) {
  const std::size_t n = svecSize(k);
  double bs[kMaxN], y[kMaxN], S[kMaxK * kMaxK];
  applyB(n, B, s, bs);
  for (std::size_t p = 0; p < n; ++p) y[p] = alpha[p] + bs[p];
  smat(k, y, Ymat);
  smat(k, s, S);
  Kkt r;
  r.minS = minEigen(k, S);
  r.minY = minEigen(k, Ymat);
  r.comp = kernels::dot(n, s, y);
  const double ns = frob(k, S), ny = std::max(frob(k, Ymat), std::sqrt(kernels::dot(n, alpha, alpha)));
  r.residual = 0.0;
  if (ns > 0) r.residual = std::max(r.residual, -r.minS / ns);
  if (ny > 0) r.residual = std::max(r.residual, -r.minY / ny);
  if (ns > 0 && ny > 0) r.residual = std::max(r.residual, std::fabs(r.comp) / (ns * ny));
  return r;
}

}  // namespace

std::size_t svecSize(std::size_t k) { return k * (k + 1) / 2; }

void svec(std::size_t k, const double* X, double* out) {
  std::size_t p = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i; j < k; ++j) out[p++] = i == j ? X[i * k + i] : kRoot2 * 0.5 * (X[i * k + j] + X[j * k + i]);
}

void smat(std::size_t k, const double* x, double* out) {
  std::size_t p = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i; j < k; ++j) {
      const double v = i == j ? x[p] : x[p] / kRoot2;
      out[i * k + j] = out[j * k + i] = v;
      ++p;
    }
}

SdcpResult solveSdcp(std::size_t k, const double* alphaMat, const double* Bin) {
  if (k < 1 || k > kMaxK)
    fail(ErrorCode::Value, "k", "the complementarity solver handles 1 to 4 eigenvalues at the edge");
  const std::size_t n = svecSize(k);
  SdcpResult res;
  res.S.assign(k * k, 0.0);
  res.Y.assign(k * k, 0.0);
  double alpha[kMaxN];
  svec(k, alphaMat, alpha);
  for (std::size_t p = 0; p < n; ++p)
    if (!std::isfinite(alpha[p])) fail(ErrorCode::Value, "alpha", "must be finite");
  for (std::size_t p = 0; p < n * n; ++p)
    if (!std::isfinite(Bin[p])) fail(ErrorCode::Value, "B", "must be finite");

  auto finish = [&](const double* s) {
    Kkt r = kkt(k, alpha, Bin, s, res.Y.data());
    smat(k, s, res.S.data());
    res.minEigenS = r.minS;
    res.minEigenY = r.minY;
    res.complementarity = r.comp;
    res.residual = r.residual;
    return res;
  };
  const double zero[kMaxN] = {};
  // S = 0 solves it whenever alpha >= 0 (then Y = alpha): exact, and the unique solution when B > 0.
  if (minEigen(k, alphaMat) >= 0) return finish(zero);

  // k = 1: S = -alpha / B (alpha < 0 here), or no solution when B = 0.
  if (k == 1) {
    double s1 = 0.0;
    if (Bin[0] > 0) s1 = -alpha[0] / Bin[0];
    else res.status = SdcpResult::Status::Unbounded;
    return finish(&s1);
  }
  // Normalize: alpha to unit norm, B to unit max entry; S scales by aN / bN.
  const double aN = std::sqrt(kernels::dot(n, alpha, alpha));
  double bN = 0.0;
  for (std::size_t p = 0; p < n * n; ++p) bN = std::max(bN, std::fabs(Bin[p]));
  if (bN == 0.0) {
    res.status = SdcpResult::Status::Unbounded;
    return finish(zero);
  }
  double a[kMaxN], B[kMaxN * kMaxN];
  for (std::size_t p = 0; p < n; ++p) a[p] = alpha[p] / aN;
  for (std::size_t p = 0; p < n * n; ++p) B[p] = Bin[p] / bN;
  for (std::size_t p = 0; p < n; ++p)
    for (std::size_t q = p + 1; q < n; ++q) B[p * n + q] = B[q * n + p] = 0.5 * (B[p * n + q] + B[q * n + p]);

  // Polish: with V the eigenvectors of S (svec s) where S dominates Y, solve the face system
  // V^T (a + B[V Z V^T]) V = 0 for Z exactly. Returns false when that system is singular.
  auto polish = [&](const double* s, double* candidate) {
    double Smat[kMaxK * kMaxK], Ym[kMaxK * kMaxK], values[kMaxK], Q[kMaxK * kMaxK], bs[kMaxN], y[kMaxN];
    applyB(n, B, s, bs);
    for (std::size_t p = 0; p < n; ++p) y[p] = a[p] + bs[p];
    smat(k, y, Ym);
    smat(k, s, Smat);
    linalg::symmetricEigen(k, Smat, values, Q);  // eigenvectors as columns
    std::size_t active[kMaxK], m = 0;
    for (std::size_t i = 0; i < k; ++i) {
      double yi = 0.0;  // q_i^T Y q_i
      for (std::size_t p = 0; p < k; ++p)
        for (std::size_t q = 0; q < k; ++q) yi += Q[p * k + i] * Ym[p * k + q] * Q[q * k + i];
      if (values[i] > yi) active[m++] = i;
    }
    std::fill(candidate, candidate + n, 0.0);
    if (m == 0) return true;
    const std::size_t nm = svecSize(m);
    double V[kMaxK * kMaxK];
    for (std::size_t p = 0; p < k; ++p)
      for (std::size_t c = 0; c < m; ++c) V[p * m + c] = Q[p * k + active[c]];
    auto restrictTo = [&](const double* Xk, double* out) {  // svec_m(V^T X V)
      double R[kMaxK * kMaxK];
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) {
          double t = 0.0;
          for (std::size_t p = 0; p < k; ++p)
            for (std::size_t q = 0; q < k; ++q) t += V[p * m + i] * Xk[p * k + q] * V[q * m + j];
          R[i * m + j] = t;
        }
      svec(m, R, out);
    };
    auto lift = [&](const double* z, double* outSvec) {  // svec_k(V Z V^T)
      double Z[kMaxK * kMaxK], X[kMaxK * kMaxK];
      smat(m, z, Z);
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
          double t = 0.0;
          for (std::size_t p = 0; p < m; ++p)
            for (std::size_t q = 0; q < m; ++q) t += V[i * m + p] * Z[p * m + q] * V[j * m + q];
          X[i * k + j] = t;
        }
      svec(k, X, outSvec);
    };
    double F[kMaxN * kMaxN], FL[kMaxN * kMaxN], rhs[kMaxN], z[kMaxN], A[kMaxK * kMaxK];
    for (std::size_t q = 0; q < nm; ++q) {
      double e[kMaxN] = {}, x[kMaxN], bx[kMaxN], BX[kMaxK * kMaxK], col[kMaxN];
      e[q] = 1.0;
      lift(e, x);
      applyB(n, B, x, bx);
      smat(k, bx, BX);
      restrictTo(BX, col);
      for (std::size_t p = 0; p < nm; ++p) F[p * nm + q] = col[p];
    }
    for (std::size_t p = 0; p < nm; ++p)
      for (std::size_t q = p + 1; q < nm; ++q) F[p * nm + q] = F[q * nm + p] = 0.5 * (F[p * nm + q] + F[q * nm + p]);
    smat(k, a, A);
    restrictTo(A, rhs);
    for (std::size_t p = 0; p < nm; ++p) rhs[p] = -rhs[p];
    if (!cholesky(nm, F, FL)) return false;
    choleskySolve(nm, FL, rhs, z);
    lift(z, candidate);
    // The face V comes from the barrier iterate and is off by O(mu), and so is the solve above.
    // Refine on the rank-m manifold: S = R R^T with R (k x m), Newton (minimum-norm steps, the
    // map R -> R Q leaves S unchanged) on the stationarity condition Y(R R^T) R = 0, from
    // R = V Z^{1/2}; it converges quadratically when the face is right.
    // A full face (m = k) is exact already, as is a solve that is a KKT point to rounding.
    double Yp[kMaxK * kMaxK];
    if (m == k || kkt(k, a, B, candidate, Yp).residual <= 1e-15) return true;
    double Zm[kMaxK * kMaxK], zv[kMaxK], zq[kMaxK * kMaxK], R[kMaxK * kMaxK];
    smat(m, z, Zm);
    linalg::symmetricEigen(m, Zm, zv, zq);
    if (!(zv[0] > 0)) return true;  // not positive definite: not this face; keep the solve
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t c = 0; c < m; ++c) {
        double t = 0.0;
        for (std::size_t p = 0; p < m; ++p) t += V[i * m + p] * zq[p * m + c] * std::sqrt(zv[c]);
        R[i * m + c] = t;
      }
    const std::size_t km = k * m;
    auto residualOf = [&](const double* Rm, double* Fout, double* Yout) {  // F = Y R, Y = a + B[R R^T]
      double S2[kMaxK * kMaxK], sv[kMaxN], bs2[kMaxN], y2[kMaxN];
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
          double t = 0.0;
          for (std::size_t c = 0; c < m; ++c) t += Rm[i * m + c] * Rm[j * m + c];
          S2[i * k + j] = t;
        }
      svec(k, S2, sv);
      applyB(n, B, sv, bs2);
      for (std::size_t p = 0; p < n; ++p) y2[p] = a[p] + bs2[p];
      smat(k, y2, Yout);
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t c = 0; c < m; ++c) {
          double t = 0.0;
          for (std::size_t p = 0; p < k; ++p) t += Yout[i * k + p] * Rm[p * m + c];
          Fout[i * m + c] = t;
        }
    };
    for (int it = 0; it < 12; ++it) {
      double Fv[kMaxK * kMaxK], Yc[kMaxK * kMaxK], J[kMaxK * kMaxK * kMaxK * kMaxK], minusF[kMaxK * kMaxK],
          step[kMaxK * kMaxK];
      residualOf(R, Fv, Yc);
      // Column (i, c) of J: dF = B[dS] R + Y dR for dR = e_i e_c^T, dS = dR R^T + R dR^T.
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t c = 0; c < m; ++c) {
          double dS[kMaxK * kMaxK] = {}, ds[kMaxN], bds[kMaxN], dY[kMaxK * kMaxK];
          for (std::size_t j = 0; j < k; ++j) {
            dS[i * k + j] += R[j * m + c];
            dS[j * k + i] += R[j * m + c];
          }
          svec(k, dS, ds);
          applyB(n, B, ds, bds);
          smat(k, bds, dY);
          for (std::size_t r = 0; r < k; ++r)
            for (std::size_t q = 0; q < m; ++q) {
              double t = Yc[r * k + i] * (q == c ? 1.0 : 0.0);
              for (std::size_t p = 0; p < k; ++p) t += dY[r * k + p] * R[p * m + q];
              J[(r * m + q) * km + i * m + c] = t;
            }
        }
      for (std::size_t p = 0; p < km; ++p) minusF[p] = -Fv[p];
      linalg::leastSquares(km, km, 1, J, minusF, step, 1e-12);
      // Damped: halve the step until the residual decreases.
      const double f0 = linalg::frobeniusNorm(km, Fv);
      double trial[kMaxK * kMaxK], Ft[kMaxK * kMaxK], Yt[kMaxK * kMaxK];
      bool moved = false;
      for (double t = 1.0; t > 1e-3; t *= 0.5) {
        for (std::size_t p = 0; p < km; ++p) trial[p] = R[p] + t * step[p];
        residualOf(trial, Ft, Yt);
        if (linalg::frobeniusNorm(km, Ft) < f0) {
          moved = true;
          break;
        }
      }
      if (!moved) break;
      std::copy(trial, trial + km, R);
      if (linalg::frobeniusNorm(km, Ft) <= 1e-15) break;  // at rounding (a and B are normalized)
    }
    double S2[kMaxK * kMaxK];
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        double t = 0.0;
        for (std::size_t c = 0; c < m; ++c) t += R[i * m + c] * R[j * m + c];
        S2[i * k + j] = t;
      }
    double refined[kMaxN], Yr[kMaxK * kMaxK];
    svec(k, S2, refined);
    if (kkt(k, a, B, refined, Yr).residual < kkt(k, a, B, candidate, Yp).residual)
      std::copy(refined, refined + n, candidate);
    return true;
  };

  // Barrier: phi(s) = 1/2 s.Bs + a.s - mu log det S, from S = I, mu from 1 down by 10 per stage;
  // from mu = kPolishFrom on, each stage tries the polish and stops once it is a KKT point to rounding.
  double s[kMaxN] = {};
  {
    double I[kMaxK * kMaxK] = {};
    for (std::size_t i = 0; i < k; ++i) I[i * k + i] = 1.0;
    svec(k, I, s);
  }
  double Smat[kMaxK * kMaxK], Lc[kMaxK * kMaxK], Sinv[kMaxK * kMaxK];
  auto logDet = [&](const double* x, double& out) {  // false if not positive definite
    smat(k, x, Smat);
    if (!cholesky(k, Smat, Lc)) return false;
    out = 0.0;
    for (std::size_t i = 0; i < k; ++i) out += 2.0 * std::log(Lc[i * k + i]);
    return true;
  };
  auto phi = [&](const double* x, double mu, double ld) {
    double bx[kMaxN];
    applyB(n, B, x, bx);
    return 0.5 * kernels::dot(n, x, bx) + kernels::dot(n, a, x) - mu * ld;
  };
  double best[kMaxN], Ym[kMaxK * kMaxK];
  std::copy(s, s + n, best);
  double bestResidual = std::numeric_limits<double>::infinity();
  bool unbounded = false;
  double mu = 1.0;
  const double muFinal = 1e-15;
  while (true) {
    for (int it = 0; it < 100; ++it) {
      double ld = 0.0;
      logDet(s, ld);  // s stays positive definite
      inverseFromCholesky(k, Lc, Sinv);
      // Gradient B s + a - mu svec(S^-1); Hessian B + mu (S^-1 (x) S^-1) on svec coordinates.
      double grad[kMaxN], sinv[kMaxN], H[kMaxN * kMaxN], HL[kMaxN * kMaxN], step[kMaxN], bs[kMaxN];
      svec(k, Sinv, sinv);
      applyB(n, B, s, bs);
      for (std::size_t p = 0; p < n; ++p) grad[p] = bs[p] + a[p] - mu * sinv[p];
      for (std::size_t q = 0; q < n; ++q) {
        double e[kMaxN] = {}, E[kMaxK * kMaxK], T[kMaxK * kMaxK], X[kMaxK * kMaxK], col[kMaxN];
        e[q] = 1.0;
        smat(k, e, E);
        for (std::size_t i = 0; i < k; ++i)
          for (std::size_t j = 0; j < k; ++j) {
            double t = 0.0;
            for (std::size_t p = 0; p < k; ++p) t += E[i * k + p] * Sinv[p * k + j];
            T[i * k + j] = t;
          }
        for (std::size_t i = 0; i < k; ++i)
          for (std::size_t j = 0; j < k; ++j) {
            double t = 0.0;
            for (std::size_t p = 0; p < k; ++p) t += Sinv[i * k + p] * T[p * k + j];
            X[i * k + j] = t;
          }
        svec(k, X, col);
        for (std::size_t p = 0; p < n; ++p) H[p * n + q] = B[p * n + q] + mu * col[p];
      }
      for (std::size_t p = 0; p < n; ++p)
        for (std::size_t q = p + 1; q < n; ++q) H[p * n + q] = H[q * n + p] = 0.5 * (H[p * n + q] + H[q * n + p]);
      if (!cholesky(n, H, HL)) break;  // only by rounding at a vanishing mu: stop refining
      double minusGrad[kMaxN];
      for (std::size_t p = 0; p < n; ++p) minusGrad[p] = -grad[p];
      choleskySolve(n, HL, minusGrad, step);
      const double decrement = -kernels::dot(n, grad, step);  // Newton decrement squared
      ++res.newtonSteps;
      // Centred enough: the duality gap is then within a small factor of k mu.
      if (!(decrement > 1e-3 * mu) || !(decrement > 1e-28)) break;
      // Damped step: stay positive definite, then Armijo on phi.
      const double f0 = phi(s, mu, ld);
      double t = 1.0, trial[kMaxN], ldTrial = 0.0;
      bool moved = false;
      for (int back = 0; back < 60; ++back, t *= 0.5) {
        for (std::size_t p = 0; p < n; ++p) trial[p] = s[p] + t * step[p];
        if (!logDet(trial, ldTrial)) continue;
        if (phi(trial, mu, ldTrial) <= f0 - 0.25 * t * decrement) {
          moved = true;
          break;
        }
      }
      if (!moved) break;
      std::copy(trial, trial + n, s);
      if (std::sqrt(kernels::dot(n, s, s)) > 1e12) {
        unbounded = true;
        break;
      }
    }
    if (unbounded) break;
    const Kkt atBarrier = kkt(k, a, B, s, Ym);
    if (atBarrier.residual < bestResidual) {
      std::copy(s, s + n, best);
      bestResidual = atBarrier.residual;
      res.polished = false;
    }
    if (mu <= kPolishFrom) {
      double candidate[kMaxN];
      if (polish(s, candidate)) {
        const Kkt polished = kkt(k, a, B, candidate, Ym);
        if (polished.residual < bestResidual) {
          std::copy(candidate, candidate + n, best);
          bestResidual = polished.residual;
          res.polished = true;
        }
      }
      if (bestResidual <= 1e-14) break;
    }
    if (mu <= muFinal) break;
    mu = std::max(mu * 0.1, muFinal);
  }
  if (unbounded) {
    res.status = SdcpResult::Status::Unbounded;
    for (std::size_t p = 0; p < n; ++p) s[p] *= aN / bN;
    return finish(s);
  }
  for (std::size_t p = 0; p < n; ++p) best[p] *= aN / bN;
  return finish(best);
}

CentralFlowSigma centralFlowSigma(std::size_t P, std::size_t k, const double* g, const double* T,
                                  const double* allowedRate, const double* eigenvalues) {
  if (k < 1 || k > kMaxK) fail(ErrorCode::Value, "k", "the central flow handles 1 to 4 eigenvalues at the edge");
  const std::size_t n = svecSize(k);
  // svec-scaled contractions: T~_p = T_ii (diagonal pairs) or sqrt(2) T_ij, so that
  // sum_ij S_ij T_ij = sum_p svec(S)_p T~_p and svec(U^T dH U)_p = <T~_p, dW>.
  auto scale = [&](std::size_t p) {
    std::size_t q = 0;
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i; j < k; ++j, ++q)
        if (q == p) return i == j ? 1.0 : kRoot2;
    return 1.0;
  };
  double a[kMaxN], B[kMaxN * kMaxN];
  for (std::size_t p = 0; p < n; ++p) {
    a[p] = scale(p) * kernels::dot(P, T + p * P, g);
    for (std::size_t q = 0; q <= p; ++q)
      B[p * n + q] = B[q * n + p] = 0.5 * scale(p) * scale(q) * kernels::dot(P, T + p * P, T + q * P);
  }
  double alphaMat[kMaxK * kMaxK];
  smat(k, a, alphaMat);
  if (allowedRate)
    for (std::size_t i = 0; i < k * k; ++i) alphaMat[i] += 0.5 * (allowedRate[i] + allowedRate[(i % k) * k + i / k]);
  CentralFlowSigma out;
  out.k = k;
  out.sdcp = solveSdcp(k, alphaMat, B);
  double s[kMaxN];
  svec(k, out.sdcp.S.data(), s);
  out.velocity.assign(P, 0.0);
  for (std::size_t i = 0; i < P; ++i) out.velocity[i] = -g[i];
  for (std::size_t p = 0; p < n; ++p) kernels::axpy(P, -0.5 * scale(p) * s[p], T + p * P, out.velocity.data());
  double rate[kMaxN];
  for (std::size_t p = 0; p < n; ++p) rate[p] = scale(p) * kernels::dot(P, T + p * P, out.velocity.data());
  out.edgeRate.assign(k * k, 0.0);
  smat(k, rate, out.edgeRate.data());
  if (eigenvalues)
    for (std::size_t i = 0; i < k; ++i) out.predictedLossTerm += 0.5 * out.sdcp.S[i * k + i] * eigenvalues[i];
  return out;
}

}  // namespace dln
