// The per-step top Ritz update of the top-1 Lanczos solve (extremeRitzUpdate, issue 19) on the
// tridiagonals of real solves, against a frozen copy of the code before issue 19's Ritz pass
// (frozenUpdate below), in the same run: prints JSON with the time per update of each (best of
// the rounds, thread CPU time), their ratio, how many updates gave bitwise the same value and last
// component, and both against the full tridiagonal eigensolver (linalg::tridiagonalEigenLastRow):
// the worst and the root-mean-square value error relative to ||T|| and the worst relative error
// of the last component's square, where that square is above 1e-20 (below it the oracle's own
// rounding dominates); and the last component's square against tridiagonalEigenvector's twisted
// factorization at the value returned, where that square is below 1e-4.
// The tridiagonals: the Marion-Chizat problem (bench_common.hpp; scale 0.35, seed 1), 450 steps
// of gradient descent at eta 0.02 and at 0.1 with a warm-started top-1 solve (tol 1e-10, start
// noise 1e-3) at every step, and 64 cold top-1 solves from random starts at the initial point,
// driven through LanczosProcess as lanczos() does; every prefix T_m of a solve is one update,
// chained from the previous one's value and last component, as LanczosProcess::ritzPairs does.
// Both count their evaluations of d_m (the frozen copy also its twisted factorizations).
// `bench_ritz [rounds]` (default 30).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <vector>

#include "bench_common.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "lanczos.hpp"
#include "linalg.hpp"
#include "rng.hpp"

using namespace dln;

namespace {

// ---- The frozen copy (src/lanczos.cpp at 21d0129), with counters when Count. ----
std::uint64_t g_evaluations = 0, g_twisted = 0, g_calls = 0;

inline void frozenRescalePair(double& hi, double& lo) {
  const double size = std::max(std::fabs(hi), std::fabs(lo));
  if (size > 0x1p+500) {
    hi *= 0x1p-500;
    lo *= 0x1p-500;
  } else if (size < 0x1p-500) {
    hi *= 0x1p+500;
    lo *= 0x1p+500;
  }
}

double frozenEigenvector(std::size_t m, const double* a, const double* b, double sign, double x, double* d) {
  if (m == 1) return 1.0;
  double scale = std::fabs(x), coupling = 0.0;
  for (std::size_t k = 0; k < m; ++k) scale = std::max(scale, std::fabs(a[k]));
  for (std::size_t k = 0; k + 1 < m; ++k) coupling = std::max(coupling, std::fabs(b[k]));
  const double tiny = std::numeric_limits<double>::epsilon() * scale * 1e-3 + std::numeric_limits<double>::min();
  auto guard = [tiny](double v) { return v == 0.0 ? -tiny : v; };
  double* u = d + m;
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
    frozenRescalePair(p, pPrev);
    frozenRescalePair(q, qPrev);
  }
  std::size_t r = 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < m; ++k) {
    const double g = std::fabs(d[k] + u[k] - (sign * a[k] - x));
    if (g < best) best = g, r = k;
  }
  double sum = 1.0, s = 1.0, last = r == m - 1 ? 1.0 : 0.0;
  for (std::size_t k = r; k-- > 0;) {
    s *= -b[k] / guard(d[k]);
    sum += s * s;
  }
  s = 1.0;
  for (std::size_t k = r + 1; k < m; ++k) {
    s *= -b[k - 1] / guard(u[k]);
    sum += s * s;
    last = s;
  }
  if (!std::isfinite(sum)) return 0.0;
  return last * last / sum;
}

template <bool Count>
ExtremeRitz frozenUpdate(std::size_t m, const double* a, const double* b, double sign, double mu, double muLast2,
                         double* d) {
  if (Count) ++g_calls;
  if (m == 1) return {sign * a[0], 1.0};
  const double p = sign * a[m - 1];
  const double c2 = b[m - 2] * b[m - 2] * muLast2;
  const double h = 0.5 * (mu - p);
  const double x0 = 0.5 * (mu + p) + std::sqrt(h * h + c2);
  double hi = std::numeric_limits<double>::infinity();
  auto upper = [&]() {
    if (hi != std::numeric_limits<double>::infinity()) return hi;
    double g = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < m; ++k)
      g = std::max(g, sign * a[k] + (k > 0 ? std::fabs(b[k - 1]) : 0.0) + (k + 1 < m ? std::fabs(b[k]) : 0.0));
    return g;
  };
  double lo = mu, x = x0;
  double f = 0.0, fp = -1.0;
  auto evaluate = [&](double at) {
    if (Count) ++g_evaluations;
    double pPrev = 1.0, pk = sign * a[0] - at, dpk = -1.0;
    for (std::size_t k = 1; k < m; ++k) {
      if (!(pk != 0.0) || std::signbit(pk) == std::signbit(pPrev)) return false;
      const double inv = pPrev / pk;
      const double b2 = b[k - 1] * b[k - 1];
      dpk = -1.0 + (b2 * inv * inv) * dpk;
      const double next = (sign * a[k] - at) * pk - b2 * pPrev;
      pPrev = pk;
      pk = next;
      frozenRescalePair(pk, pPrev);
    }
    f = pk / pPrev;
    fp = dpk;
    return true;
  };
  bool evaluatedAtX = false;
  for (int it = 0; it < 200; ++it) {
    evaluatedAtX = evaluate(x);
    if (!evaluatedAtX) {
      if (it == 0) break;
      lo = std::max(lo, x);
      const double mid = 0.5 * (lo + upper());
      if (mid == x) break;
      x = mid;
      continue;
    }
    if (f > 0) lo = std::max(lo, x);
    else if (f < 0) hi = std::min(hi, x);
    else break;
    const double next = x - f / fp;
    if (std::fabs(next - x) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(x) || !(hi > lo)) break;
    const double to = next > lo && next < hi ? next : 0.5 * (lo + upper());
    if (to == x) break;
    x = to;
    evaluatedAtX = false;
  }
  if (evaluatedAtX && -fp < 1e4) return {x, -1.0 / fp};
  if (Count) ++g_twisted;
  return {x, frozenEigenvector(m, a, b, sign, x, d)};
}

// ---- The tridiagonals of real solves. ----
struct Solve {
  std::vector<double> a, b;  // the whole solve's (one block); every prefix is an update
};

void runSolve(SymmetricOperator& op, const double* start, std::uint64_t stream, std::vector<Solve>& out,
              std::vector<double>* vector) {
  LanczosOptions o;
  o.stream = stream;
  Rng rng(o.seed, Purpose::Eigensolver, {o.stream});
  LanczosProcess process(op, std::min(op.dimension(), kLanczosDefaultMaxIterations));
  process.track(1, false);
  process.begin(start, o.startNoise, rng);
  while (true) {
    const double b = process.extend();
    process.ritzPairs(b);
    const bool done = process.converged(o, b);
    if (done || process.size() >= op.dimension() || process.size() >= kLanczosDefaultMaxIterations) break;
    const double settled = process.settle(b);
    if (process.breakdown(settled)) return;  // not the case here; a restart would split the block
    process.advance(settled);
  }
  Solve s;
  s.a = process.alpha();
  s.b = process.beta();
  out.push_back(std::move(s));
  if (vector) {
    LanczosResult r;
    process.extract(1, true, r);
    *vector = r.vectors;
  }
}

std::vector<Solve> collect() {
  std::vector<Solve> solves;
  Problem problem = marionChizatBenchProblem();
  InitOptions io;
  io.scale = 0.35;
  io.seed = 1;
  const std::vector<double> theta0 = initialize(problem.spec(), io);
  for (double eta : {0.02, 0.1}) {
    std::vector<double> theta = theta0, vector;
    Evaluator ev(problem);
    for (std::size_t step = 0; step < 450; ++step) {
      ev.evaluate(theta.data());
      ev.completeGradient();
      HessianOperator H(ev);
      runSolve(H, vector.empty() ? nullptr : vector.data(), step, solves, &vector);
      ev.step(-eta, theta.data());
    }
  }
  Evaluator ev(problem);
  ev.evaluate(theta0.data());
  ev.completeGradient();
  HessianOperator H(ev);
  for (std::uint64_t s = 0; s < 64; ++s) runSolve(H, nullptr, 1000 + s, solves, nullptr);
  return solves;
}

template <class Update>
double replay(const std::vector<Solve>& solves, Update&& update, std::vector<ExtremeRitz>* keep) {
  std::vector<double> pivots(2 * kLanczosDefaultMaxIterations + 2);
  double sum = 0.0;
  for (const Solve& s : solves) {
    double top = 0.0, top2 = 1.0;
    for (std::size_t m = 1; m <= s.a.size(); ++m) {
      const ExtremeRitz r = update(m, s.a.data(), s.b.data(), top, top2, pivots.data());
      top = r.value;
      top2 = r.lastSquared;
      sum += top2;
      if (keep) keep->push_back(r);
    }
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
  const std::vector<Solve> solves = collect();
  std::size_t updates = 0, longest = 0;
  for (const Solve& s : solves) updates += s.a.size(), longest = std::max(longest, s.a.size());

  auto current = [](std::size_t m, const double* a, const double* b, double mu, double mu2, double* d) {
    return extremeRitzUpdate(m, a, b, 1.0, mu, mu2, d);
  };
  auto frozen = [](std::size_t m, const double* a, const double* b, double mu, double mu2, double* d) {
    return frozenUpdate<false>(m, a, b, 1.0, mu, mu2, d);
  };
  auto counted = [](std::size_t m, const double* a, const double* b, double mu, double mu2, double* d) {
    return frozenUpdate<true>(m, a, b, 1.0, mu, mu2, d);
  };
  std::vector<ExtremeRitz> now, before;
  replay(solves, current, &now);
  replay(solves, counted, &before);

  // Against the full decomposition.
  std::size_t same = 0, i = 0, evaluations = 0;
  for (const ExtremeRitz& r : now) evaluations += static_cast<std::size_t>(r.evaluations);
  double worstValue = 0.0, worstLast = 0.0, worstValueBefore = 0.0, worstLastBefore = 0.0, worstTwisted = 0.0,
         worstTwistedBefore = 0.0;
  double sumValue2 = 0.0, sumValue2Before = 0.0;
  std::vector<double> scratch(2 * longest + 2);
  std::vector<double> values, lastRow;
  for (const Solve& s : solves) {
    for (std::size_t m = 1; m <= s.a.size(); ++m, ++i) {
      if (std::memcmp(&now[i].value, &before[i].value, sizeof(double)) == 0 &&
          std::memcmp(&now[i].lastSquared, &before[i].lastSquared, sizeof(double)) == 0)
        ++same;
      values.resize(m);
      lastRow.resize(m);
      linalg::tridiagonalEigenLastRow(m, s.a.data(), s.b.data(), values.data(), lastRow.data());
      double norm = 0.0;
      for (std::size_t k = 0; k < m; ++k)
        norm = std::max(
            norm, std::fabs(s.a[k]) + (k > 0 ? std::fabs(s.b[k - 1]) : 0.0) + (k + 1 < m ? std::fabs(s.b[k]) : 0.0));
      const double top = values.back(), top2 = lastRow.back() * lastRow.back();
      worstValue = std::max(worstValue, std::fabs(now[i].value - top) / norm);
      worstValueBefore = std::max(worstValueBefore, std::fabs(before[i].value - top) / norm);
      sumValue2 += (now[i].value - top) * (now[i].value - top) / (norm * norm);
      sumValue2Before += (before[i].value - top) * (before[i].value - top) / (norm * norm);
      // Against the twisted factorization at the value returned (where the derivative's formula
      // is not used: s_m^2 < 1e-4).
      const double twisted = tridiagonalEigenvector(m, s.a.data(), s.b.data(), 1.0, now[i].value, scratch.data());
      if (twisted < 1e-4 && twisted > 0)
        worstTwisted = std::max(worstTwisted, std::fabs(now[i].lastSquared - twisted) / twisted);
      const double twistedBefore =
          tridiagonalEigenvector(m, s.a.data(), s.b.data(), 1.0, before[i].value, scratch.data());
      if (twistedBefore < 1e-4 && twistedBefore > 0)
        worstTwistedBefore =
            std::max(worstTwistedBefore, std::fabs(before[i].lastSquared - twistedBefore) / twistedBefore);
      if (top2 > 1e-20) {
        worstLast = std::max(worstLast, std::fabs(now[i].lastSquared - top2) / top2);
        worstLastBefore = std::max(worstLastBefore, std::fabs(before[i].lastSquared - top2) / top2);
      }
    }
  }

  double bestNow = 1e300, bestBefore = 1e300;
  for (int r = 0; r < rounds; ++r) {
    double t0 = threadCpuNs();
    sink(replay(solves, current, nullptr));
    bestNow = std::min(bestNow, threadCpuNs() - t0);
    t0 = threadCpuNs();
    sink(replay(solves, frozen, nullptr));
    bestBefore = std::min(bestBefore, threadCpuNs() - t0);
  }
  const double n = static_cast<double>(updates);
  std::printf(
      "{\"solves\": %zu, \"updates\": %zu, \"longest\": %zu, \"nsPerUpdate\": %.2f, \"frozenNsPerUpdate\": %.2f, "
      "\"speedup\": %.3f, \"sameBits\": %zu, \"evaluationsPerUpdate\": %.3f, \"frozenEvaluationsPerUpdate\": %.3f, "
      "\"frozenTwistedShare\": %.3f, "
      "\"worstValueOverNorm\": %.3g, \"frozenWorstValueOverNorm\": %.3g, \"rmsValueOverNorm\": %.3g, "
      "\"frozenRmsValueOverNorm\": %.3g, \"worstLastSquaredRelative\": %.3g, "
      "\"frozenWorstLastSquaredRelative\": %.3g, \"worstLastSquaredVsTwisted\": %.3g, "
      "\"frozenWorstLastSquaredVsTwisted\": %.3g}\n",
      solves.size(), updates, longest, bestNow / n, bestBefore / n, bestBefore / bestNow, same,
      static_cast<double>(evaluations) / n, static_cast<double>(g_evaluations) / static_cast<double>(g_calls),
      static_cast<double>(g_twisted) / static_cast<double>(g_calls), worstValue, worstValueBefore,
      std::sqrt(sumValue2 / n), std::sqrt(sumValue2Before / n), worstLast, worstLastBefore, worstTwisted,
      worstTwistedBefore);
}
