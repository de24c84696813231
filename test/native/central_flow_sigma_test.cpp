// Native tests of the central flow's Sigma (src/central_flow_sigma.*): the semidefinite
// complementarity problem S >= 0, Y = alpha + B[S] >= 0, <S, Y> = 0 for k <= 4 eigenvalues at the
// edge. Every quantity the checks use is recomputed here from the contractions directly (not
// through the solver's svec helpers). main() returns nonzero if a check fails.
//   - k = 1: sigma^2 = max(0, -2 <T, g> / |T|^2), and dS/dt = 0 along the flow when sigma^2 > 0;
//   - random instances, k = 1..4, with and without an allowed rate D: S >= 0, Y >= 0, <S, Y> = 0,
//     Y = D - dM/dt with dM/dt from the returned velocity;
//   - k = 2 against brute force over the cone (interior solve, a fine angle grid on the rank-one
//     boundary with golden-section refinement, and 0);
//   - a separable k = 4 instance with a closed form; unbounded instances reported as such;
//   - false cases: a perturbed S fails the KKT tolerances, a wrong sign fails the k = 1 formula.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "central_flow_sigma.hpp"
#include "linalg.hpp"
#include "rng.hpp"
#include "sharpness_gradient.hpp"

using namespace dln;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, double measured, double tol) {
  std::printf("%s %-74s %.2e (tol %.1e)\n", ok ? "ok  " : "FAIL", what.c_str(), measured, tol);
  if (!ok) ++failures;
}
void checkBelow(const std::string& what, double measured, double tol) { check(measured <= tol, what, measured, tol); }
void checkCaught(const std::string& what, double measured, double tol) {
  check(measured > tol, "false case caught: " + what, measured, tol);
}

double dot(std::size_t n, const double* x, const double* y) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}
double frob(const std::vector<double>& X) { return std::sqrt(dot(X.size(), X.data(), X.data())); }
double minEig(std::size_t k, const std::vector<double>& X) {
  std::vector<double> v(k);
  linalg::symmetricEigen(k, X.data(), v.data());
  return v[0];
}

// An instance: P parameters, k eigenvectors, contractions T (packed pairs), gradient g, allowed rate D.
struct Instance {
  std::size_t P, k;
  std::vector<double> T, g, D;
  const double* t(std::size_t i, std::size_t j) const {
    return T.data() + pairIndex(k, std::min(i, j), std::max(i, j)) * P;
  }
};

// alpha_ij = <T_ij, g> + D_ij and B[S]_ij = 1/2 sum_kl <T_ij, T_kl> S_kl, over ordered (k, l).
std::vector<double> alphaOf(const Instance& x) {
  std::vector<double> a(x.k * x.k);
  for (std::size_t i = 0; i < x.k; ++i)
    for (std::size_t j = 0; j < x.k; ++j)
      a[i * x.k + j] = dot(x.P, x.t(i, j), x.g.data()) + (x.D.empty() ? 0.0 : x.D[i * x.k + j]);
  return a;
}
std::vector<double> yOf(const Instance& x, const std::vector<double>& S) {
  std::vector<double> Y = alphaOf(x);
  for (std::size_t i = 0; i < x.k; ++i)
    for (std::size_t j = 0; j < x.k; ++j)
      for (std::size_t p = 0; p < x.k; ++p)
        for (std::size_t q = 0; q < x.k; ++q) Y[i * x.k + j] += 0.5 * dot(x.P, x.t(i, j), x.t(p, q)) * S[p * x.k + q];
  return Y;
}
double objective(const Instance& x, const std::vector<double>& S) {  // 1/2 <S, B[S]> + <alpha, S>
  const std::vector<double> a = alphaOf(x), Y = yOf(x, S);
  double f = 0.0;
  for (std::size_t i = 0; i < S.size(); ++i) f += 0.5 * S[i] * (Y[i] + a[i]);  // <S, a + B S/2>... = <S,a> + 1/2 <S,BS>
  return f;
}

// Relative: -minEig(S)/|S|, -minEig(Y)/y, |<S,Y>|/(|S| y) with y = max(|Y|, |alpha|) (a full-rank
// solution has Y = 0 up to rounding: its scale is alpha's).
struct Kkt {
  double negS, negY, comp;
};
Kkt kkt(const Instance& x, const std::vector<double>& S) {
  const std::vector<double> Y = yOf(x, S);
  const double nS = frob(S), nY = std::max(frob(Y), frob(alphaOf(x)));
  Kkt r{0, 0, 0};
  if (nS > 0) r.negS = std::max(0.0, -minEig(x.k, S) / nS);
  if (nY > 0) r.negY = std::max(0.0, -minEig(x.k, Y) / nY);
  if (nS > 0 && nY > 0) r.comp = std::fabs(dot(S.size(), S.data(), Y.data())) / (nS * nY);
  return r;
}

Instance randomInstance(Rng& rng, std::size_t k, std::size_t P, bool withRate) {
  Instance x{P, k, std::vector<double>(k * (k + 1) / 2 * P), std::vector<double>(P), {}};
  for (double& v : x.T) v = rng.normal();
  // Vary the alignment of g with the contractions so that every rank of S occurs.
  const double mix = rng.uniform();
  for (double& v : x.g) v = (1 - mix) * rng.normal();
  for (std::size_t p = 0; p < k * (k + 1) / 2; ++p) {
    const double c = 3 * (rng.uniform() - 0.5) * mix;
    for (std::size_t i = 0; i < P; ++i) x.g[i] += c * x.T[p * P + i];
  }
  if (withRate) {
    x.D.assign(k * k, 0.0);
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i; j < k; ++j)
        x.D[i * k + j] = x.D[j * k + i] = (i == j ? 20.0 : 5.0) * (rng.uniform() - 0.5);
  }
  return x;
}

CentralFlowSigma solve(const Instance& x) {
  return centralFlowSigma(x.P, x.k, x.g.data(), x.T.data(), x.D.empty() ? nullptr : x.D.data());
}

void testK1() {
  std::printf("-- k = 1: the closed form --\n");
  Rng rng(1, Purpose::Data, {});
  double worst = 0.0, worstRate = 0.0, worstBad = 0.0;
  int positive = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Instance x = randomInstance(rng, 1, 40, false);
    const double tg = dot(x.P, x.T.data(), x.g.data()), tt = dot(x.P, x.T.data(), x.T.data());
    const double exact = std::max(0.0, -2 * tg / tt);
    const CentralFlowSigma s = solve(x);
    const double got = s.sdcp.S[0];
    const double scale = std::fabs(2 * tg / tt);
    worst = std::max(worst, std::fabs(got - exact) / scale);
    worstBad = std::max(worstBad, std::fabs(got - std::max(0.0, 2 * tg / tt)) / scale);  // wrong sign
    if (exact > 0) {
      ++positive;
      // dS/dt = <grad S, dW/dt> = 0 on the edge (relative to |T| |g|).
      worstRate = std::max(worstRate, std::fabs(dot(x.P, x.T.data(), s.velocity.data())) / (std::sqrt(tt) * frob(x.g)));
    }
  }
  std::printf("   200 instances, %d with sigma^2 > 0\n", positive);
  checkBelow("sigma^2 = max(0, -2 <grad S, grad R> / |grad S|^2) (relative)", worst, 1e-14);
  checkBelow("dS/dt = <grad S, dW/dt> = 0 when sigma^2 > 0 (relative)", worstRate, 1e-14);
  checkCaught("sigma^2 with the sign of <grad S, grad R> flipped", worstBad, 1e-14);
}

void testRandom() {
  std::printf("-- random instances: S >= 0, Y >= 0, <S, Y> = 0 --\n");
  Rng rng(2, Purpose::Data, {});
  for (std::size_t k = 1; k <= 4; ++k) {
    Kkt worst{0, 0, 0};
    double worstY = 0.0, worstRate = 0.0, worstObj = 0.0;
    int ranks[5] = {0, 0, 0, 0, 0}, polished = 0;
    std::size_t steps = 0;
    const int trials = 500;
    for (int trial = 0; trial < trials; ++trial) {
      const Instance x = randomInstance(rng, k, 30, trial % 2 == 1);
      const CentralFlowSigma s = solve(x);
      const std::vector<double>& S = s.sdcp.S;
      if (s.sdcp.status != SdcpResult::Status::Solved) {
        check(false, "instance solved", 1, 0);
        continue;
      }
      const Kkt r = kkt(x, S);
      worst = {std::max(worst.negS, r.negS), std::max(worst.negY, r.negY), std::max(worst.comp, r.comp)};
      // The solver's Y is the same as recomputed here, and equals D - dM/dt along its velocity.
      const std::vector<double> Y = yOf(x, S);
      std::vector<double> diff(k * k), rate(k * k);
      for (std::size_t i = 0; i < k * k; ++i) {
        diff[i] = s.sdcp.Y[i] - Y[i];
        rate[i] = (x.D.empty() ? 0.0 : x.D[i]) - s.edgeRate[i] - Y[i];
      }
      const double scaleY = std::max(frob(Y), frob(alphaOf(x)));
      worstY = std::max(worstY, frob(diff) / scaleY);
      worstRate = std::max(worstRate, frob(rate) / scaleY);
      // Optimality: no feasible S' does better on the convex objective (a few random PSD probes
      // near S; a KKT point is the minimum, so every probe is >= up to rounding).
      const double f = objective(x, S);
      for (int probe = 0; probe < 5; ++probe) {
        std::vector<double> v(k), S2 = S;
        for (double& c : v) c = rng.normal();
        const double eps = 1e-3 * std::max(1.0, frob(S));
        for (std::size_t i = 0; i < k; ++i)
          for (std::size_t j = 0; j < k; ++j) S2[i * k + j] += eps * v[i] * v[j];
        worstObj = std::max(worstObj, (f - objective(x, S2)) / (std::fabs(f) + 1e-300));
      }
      std::vector<double> ev(k);
      linalg::symmetricEigen(k, S.data(), ev.data());
      int rank = 0;
      for (double e : ev) rank += e > 1e-9 * std::max(frob(S), 1e-300);
      ++ranks[rank];
      polished += s.sdcp.polished;
      steps += s.sdcp.newtonSteps;
    }
    std::printf(
        "   k = %zu: %d instances, rank of S 0/1/2/3/4: %d/%d/%d/%d/%d, polished %d, Newton steps %.1f per solve\n", k,
        trials, ranks[0], ranks[1], ranks[2], ranks[3], ranks[4], polished, double(steps) / trials);
    const std::string K = "k = " + std::to_string(k) + ": ";
    checkBelow(K + "S >= 0 (max -lambda_min(S)/|S|)", worst.negS, 1e-14);
    checkBelow(K + "Y >= 0 (max -lambda_min(Y) / max(|Y|, |alpha|))", worst.negY, 1e-13);
    checkBelow(K + "complementarity |<S, Y>| / (|S| max(|Y|, |alpha|))", worst.comp, 5e-14);
    checkBelow(K + "the solver's Y = alpha + B[S] recomputed from the contractions", worstY, 1e-14);
    checkBelow(K + "Y = D - dM/dt with dM/dt from the returned velocity", worstRate, 1e-13);
    checkBelow(K + "no PSD probe S + eps vv^T lowers the objective (relative)", worstObj, 1e-12);
  }
  // False case: a solution perturbed by 1e-6 |S| (a PSD direction) fails complementarity.
  Rng r2(3, Purpose::Data, {});
  double caught = 1e300;
  for (int trial = 0; trial < 50; ++trial) {
    const Instance x = randomInstance(r2, 3, 30, false);
    std::vector<double> S = solve(x).sdcp.S;
    const double n = frob(S);
    if (n == 0) continue;
    for (std::size_t i = 0; i < 3; ++i) S[i * 3 + i] += 1e-6 * n;
    const Kkt r = kkt(x, S);
    caught = std::min(caught, std::max({r.negS, r.negY, r.comp}));
  }
  checkCaught("S + 1e-6 |S| I fails the KKT tolerances (min over instances)", caught, 1e-13);
}

// k = 2 by brute force: the minimum of the convex objective over the PSD cone is at the interior
// stationary point (if PSD), on the rank-one boundary s v v^T (v = (cos th, sin th), best s for
// each th: max(0, -<alpha, vv^T>/<vv^T, B vv^T>)), or at 0.
void testBruteForceK2() {
  std::printf("-- k = 2 against brute force over the cone --\n");
  Rng rng(4, Purpose::Data, {});
  double worstF = 0.0, worstS = 0.0;
  for (int trial = 0; trial < 300; ++trial) {
    const Instance x = randomInstance(rng, 2, 12, trial % 3 == 0);
    const std::vector<double> a = alphaOf(x);
    auto Bapply = [&](const std::vector<double>& S) {
      std::vector<double> Y = yOf(x, S);
      for (std::size_t i = 0; i < 4; ++i) Y[i] -= a[i];
      return Y;
    };
    std::vector<double> best(4, 0.0);
    double fBest = 0.0;
    // Rank one: f(th) = -<a, vv>^2 / (2 <vv, B vv>) when <a, vv> < 0.
    auto rankOne = [&](double th, std::vector<double>& S) {
      const double c = std::cos(th), s = std::sin(th);
      std::vector<double> V = {c * c, c * s, c * s, s * s};
      const std::vector<double> BV = Bapply(V);
      const double av = dot(4, a.data(), V.data()), vbv = dot(4, V.data(), BV.data());
      const double t = vbv > 0 ? std::max(0.0, -av / vbv) : 0.0;
      for (int i = 0; i < 4; ++i) S[i] = t * V[i];
      return objective(x, S);
    };
    const int grid = 20000;
    std::vector<double> S(4);
    double thBest = 0.0, fGrid = 1e300;
    for (int g = 0; g < grid; ++g) {
      const double th = M_PI * g / grid;
      const double f = rankOne(th, S);
      if (f < fGrid) {
        fGrid = f;
        thBest = th;
      }
    }
    double lo = thBest - M_PI / grid, hi = thBest + M_PI / grid;  // golden section
    const double phi = (std::sqrt(5.0) - 1) / 2;
    for (int it = 0; it < 80; ++it) {
      const double m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
      if (rankOne(m1, S) < rankOne(m2, S)) hi = m2;
      else lo = m1;
    }
    const double fOne = rankOne(0.5 * (lo + hi), S);
    if (fOne < fBest) {
      fBest = fOne;
      best = S;
    }
    // Interior: B[S] = -a on the three coordinates (S_00, S_01, S_11).
    {
      double M[9], rhs[3];
      const std::vector<std::vector<double>> E = {{1, 0, 0, 0}, {0, 1, 1, 0}, {0, 0, 0, 1}};
      for (int q = 0; q < 3; ++q) {
        const std::vector<double> BE = Bapply(E[q]);
        M[0 * 3 + q] = BE[0];
        M[1 * 3 + q] = BE[1];
        M[2 * 3 + q] = BE[3];
      }
      rhs[0] = -a[0];
      rhs[1] = -a[1];
      rhs[2] = -a[3];
      // Cramer's rule.
      auto det3 = [](const double* m) {
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
               m[2] * (m[3] * m[7] - m[4] * m[6]);
      };
      const double d = det3(M);
      if (std::fabs(d) > 1e-12) {
        double z[3];
        for (int c = 0; c < 3; ++c) {
          double Mc[9];
          for (int i = 0; i < 9; ++i) Mc[i] = M[i];
          for (int r = 0; r < 3; ++r) Mc[r * 3 + c] = rhs[r];
          z[c] = det3(Mc) / d;
        }
        const std::vector<double> Si = {z[0], z[1], z[1], z[2]};
        if (minEig(2, Si) >= 0 && objective(x, Si) < fBest) {
          fBest = objective(x, Si);
          best = Si;
        }
      }
    }
    const std::vector<double> got = solve(x).sdcp.S;
    const double fGot = objective(x, got);
    // f = <alpha, S> + 1/2 <S, B S> cancels: compare on the scale of its terms, |alpha| |S|.
    const double scale = frob(a) * std::max(frob(best), frob(got)) + std::fabs(fBest) + 1e-300;
    worstF = std::max(worstF, (fGot - fBest) / scale);
    std::vector<double> diff(4);
    for (int i = 0; i < 4; ++i) diff[i] = got[i] - best[i];
    worstS = std::max(worstS, frob(diff) / std::max(frob(best), 1e-300 + frob(got)));
  }
  checkBelow("objective at the solver's S minus the brute-force minimum (relative to |alpha||S|)", worstF, 2e-15);
  // The brute force finds the angle from objective values, which are flat at the minimum: it
  // resolves S only to about the square root of their rounding.
  checkBelow("|S - S_brute| / |S_brute|", worstS, 1e-6);
}

void testSeparableAndUnbounded() {
  std::printf("-- separable k = 4 (closed form) and unbounded instances --\n");
  // Orthogonal contractions: B is diagonal in svec coordinates, alpha diagonal -> S diagonal with
  // S_ii = max(0, -alpha_ii / B_ii), B_ii = |T_ii|^2 / 2.
  const std::size_t k = 4, P = 10;
  Instance x{P, k, std::vector<double>(10 * P, 0.0), std::vector<double>(P, 0.0), {}};
  const double scales[4] = {1.0, 2.0, 0.5, 3.0}, gs[4] = {-0.7, 0.4, -1.3, 0.0};
  for (std::size_t i = 0; i < k; ++i) {
    x.T[pairIndex(k, i, i) * P + i] = scales[i];
    x.g[i] = gs[i];
  }
  std::size_t free = 4;  // off-diagonal contractions on coordinates of their own
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j) x.T[pairIndex(k, i, j) * P + free++] = 0.3 * (i + 1);
  const CentralFlowSigma s = solve(x);
  double worst = 0.0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const double exact = i == j ? std::max(0.0, -2 * scales[i] * gs[i] / (scales[i] * scales[i])) : 0.0;
      worst = std::max(worst, std::fabs(s.sdcp.S[i * k + j] - exact));
    }
  checkBelow("separable instance: S = diag(max(0, -2 <T_ii, g> / |T_ii|^2)) (absolute)", worst, 1e-14);

  // All contractions zero and alpha not PSD: nothing holds the edge.
  Instance z{P, 2, std::vector<double>(3 * P, 0.0), std::vector<double>(P, 0.0), {-1, 0, 0, 1}};
  check(solve(z).sdcp.status == SdcpResult::Status::Unbounded, "T = 0 with alpha not PSD: unbounded", 0, 0);
  // Singular B: S_11 has no effect (T_11 = T_01 = 0) while alpha_11 < 0.
  Instance w{P, 2, std::vector<double>(3 * P, 0.0), std::vector<double>(P, 0.0), {0.5, 0, 0, -1}};
  w.T[0] = 1.0;
  check(solve(w).sdcp.status == SdcpResult::Status::Unbounded,
        "singular B with alpha_11 < 0 in its null space: unbounded", 0, 0);
  // False case of the above: the same with alpha_11 > 0 is solved (S = 0).
  w.D = {-0.5, 0, 0, 1};
  const CentralFlowSigma ok = solve(w);
  check(ok.sdcp.status == SdcpResult::Status::Solved, "false case: the same with alpha_00 < 0 < alpha_11 is solved",
        frob(ok.sdcp.S), 0);
}

}  // namespace

int main() {
  testK1();
  testRandom();
  testBruteForceK2();
  testSeparableAndUnbounded();
  if (failures) {
    std::printf("%d check(s) FAILED\n", failures);
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}
