// Native tests of the exact third derivatives (src/third_derivative.*) and the sharpness gradient
// (src/sharpness_gradient.*). Each check prints its measured error next to its tolerance; main()
// returns nonzero if any check fails. Every tolerance is paired with a false case that must fail.
//
// Checks, for every loss (univariate regression with and without a projection, n < d, multivariate
// MSE on both sweep sides, matrix completion on both sides), each with and without L2:
//   - symmetry: D3[u, v] = D3[v, u], and <D3[u, v], z> invariant under permuting (u, v, z);
//   - D3[u, u] (fused and generic) = D3[u, v = u]; the tangent's H u = HessianOperator's;
//   - D3[u, v] against Richardson-extrapolated central differences of exact HVPs along v;
//   - a scalar product network (all widths 1), where every derivative has a closed form;
//   - grad lambda_max against central differences of the dense Hessian's lambda_max, per coordinate;
//   - sharpnessGradient (Lanczos) against the dense route; its refusal of a repeated top eigenvalue
//     and its cluster mode there.
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data.hpp"
#include "error.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "lanczos.hpp"
#include "linalg.hpp"
#include "losses/completion.hpp"
#include "losses/mse.hpp"
#include "losses/regression.hpp"
#include "problem.hpp"
#include "rng.hpp"
#include "sharpness_gradient.hpp"
#include "third_derivative.hpp"

using namespace dln;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, double measured, double tol) {
  std::printf("%s %-72s %.2e (tol %.1e)\n", ok ? "ok  " : "FAIL", what.c_str(), measured, tol);
  if (!ok) ++failures;
}
// measured <= tol, and a false case (its error) > tol: the check can fail.
void checkBelow(const std::string& what, double measured, double tol) { check(measured <= tol, what, measured, tol); }
void checkCaught(const std::string& what, double falseMeasured, double tol) {
  check(falseMeasured > tol, "false case caught: " + what, falseMeasured, tol);
}

double norm(const std::vector<double>& x) {
  return std::sqrt(linalg::frobeniusNorm(x.size(), x.data()) * linalg::frobeniusNorm(x.size(), x.data()));
}
double dot(const std::vector<double>& x, const std::vector<double>& y) {
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}
double relDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(d) / norm(b);
}
std::vector<double> axpy(const std::vector<double>& x, double h, const std::vector<double>& v) {
  std::vector<double> y(x);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += h * v[i];
  return y;
}
std::vector<double> randomVector(std::size_t n, std::uint64_t seed) {
  Rng rng(seed, Purpose::Data, {99});
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  return v;
}

struct Case {
  std::string name;
  std::shared_ptr<const Problem> problem;
  std::vector<double> theta;
};

std::shared_ptr<const Problem> regression(std::size_t n, std::size_t d, std::vector<std::size_t> widths,
                                          std::vector<double> projection, double l2, std::uint64_t seed) {
  RegressionData data = marionChizatData(n, d, 1.0, seed, 0);
  return std::make_shared<const Problem>(NetworkSpec(std::move(widths), std::move(projection)),
                                         std::make_shared<RegressionLoss>(n, d, data.X.data(), data.y.data()), l2);
}

std::shared_ptr<const Problem> mse(std::size_t n, std::vector<std::size_t> widths, double l2, std::uint64_t seed) {
  const std::size_t d0 = widths.front(), dL = widths.back();
  std::vector<double> X = randomVector(n * d0, seed), Y = randomVector(n * dL, seed + 1);
  return std::make_shared<const Problem>(NetworkSpec(std::move(widths), {}),
                                         std::make_shared<MseLoss>(n, d0, dL, X.data(), Y.data()), l2);
}

std::shared_ptr<const Problem> completion(std::size_t rows, std::size_t cols, std::vector<std::size_t> widths,
                                          double l2, std::uint64_t seed) {
  CompletionData data = completionData(rows, cols, 2, rows * cols / 2, seed);
  return std::make_shared<const Problem>(NetworkSpec(std::move(widths), {}),
                                         std::make_shared<CompletionLoss>(rows, cols, data.observed), l2);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  auto add = [&](std::string name, std::shared_ptr<const Problem> p, double scale) {
    InitOptions io;
    io.scale = scale;
    io.seed = 7;
    out.push_back({std::move(name), p, initialize(p->spec(), io)});
  };
  for (double l2 : {0.0, 0.05}) {
    const std::string tag = l2 == 0.0 ? "" : " + L2";
    add("regression, projection p in R^2, widths 4-3-5-2" + tag, regression(30, 4, {4, 3, 5, 2}, {0.6, -0.8}, l2, 1),
        0.8);
    add("regression Marion-Chizat shape, widths 5^4-1" + tag, regression(40, 5, {5, 5, 5, 5, 1}, {1.0}, l2, 2), 0.6);
    add("regression n = 3 < d = 4 (residual form), widths 4-3-1" + tag, regression(3, 4, {4, 3, 1}, {1.0}, l2, 3), 0.9);
    add("mse output side (d0 = 6 > dL = 4), widths 6-5-7-4" + tag, mse(20, {6, 5, 7, 4}, l2, 4), 0.6);
    add("mse input side (d0 = 3 < dL = 5), widths 3-6-4-5" + tag, mse(20, {3, 6, 4, 5}, l2, 5), 0.6);
    add("completion output side 5 x 6, widths 6-4-5" + tag, completion(5, 6, {6, 4, 5}, l2, 6), 0.7);
    add("completion input side 6 x 4, widths 4-5-6" + tag, completion(6, 4, {4, 5, 6}, l2, 7), 0.7);
  }
  return out;
}

// Exact HVP at theta.
std::vector<double> hvp(const Problem& p, const std::vector<double>& theta, const std::vector<double>& u) {
  Evaluator ev(p);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  std::vector<double> out(u.size());
  H.apply(u.data(), out.data());
  return out;
}

// d/dt H(theta + t v) u at t = 0: central differences at h and h/2, Richardson-extrapolated
// (error O(h^4); the HVP is a polynomial in t).
std::vector<double> hvpDerivative(const Problem& p, const std::vector<double>& theta, const std::vector<double>& u,
                                  const std::vector<double>& v, double h) {
  auto central = [&](double s) {
    std::vector<double> a = hvp(p, axpy(theta, s, v), u), b = hvp(p, axpy(theta, -s, v), u);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = (a[i] - b[i]) / (2 * s);
    return a;
  };
  std::vector<double> d1 = central(h), d2 = central(h / 2);
  for (std::size_t i = 0; i < d1.size(); ++i) d1[i] = (4 * d2[i] - d1[i]) / 3;
  return d1;
}

struct D3 {
  std::vector<double> uv, uvGeneric, vu, uu, uuGeneric, uuFromMixed, uz, zv, hu, huRef;
};

D3 thirdDerivatives(const Case& c, const std::vector<double>& u, const std::vector<double>& v,
                    const std::vector<double>& z) {
  Evaluator ev(*c.problem);
  ev.evaluate(c.theta.data());
  ev.completeGradient();
  ThirdDerivative T(ev);
  const std::size_t P = T.dimension();
  D3 r;
  for (auto* x : {&r.uv, &r.uvGeneric, &r.vu, &r.uu, &r.uuGeneric, &r.uuFromMixed, &r.uz, &r.zv, &r.hu, &r.huRef})
    x->assign(P, 0.0);
  T.apply(u.data(), v.data(), r.uv.data());
  T.apply(v.data(), u.data(), r.vu.data());
  T.apply(u.data(), z.data(), r.uz.data());
  T.apply(z.data(), v.data(), r.zv.data());
  T.apply(u.data(), u.data(), r.uuFromMixed.data());
  T.applySymmetric(u.data(), r.uu.data());
  ThirdDerivative::Tangent tu;
  T.tangent(u.data(), tu);
  T.contractSymmetric(u.data(), tu, r.uuGeneric.data());
  T.hessianProduct(u.data(), tu, r.hu.data());
  ThirdDerivative::Tangent tv;
  T.tangent(v.data(), tv);
  T.contract(u.data(), tu, v.data(), tv, r.uvGeneric.data());
  HessianOperator H(ev);
  H.apply(u.data(), r.huRef.data());
  return r;
}

void testIdentitiesAndDifferences() {
  std::printf("-- identities and central differences of exact HVPs, per loss --\n");
  double worstSym = 0, worstPerm = 0, worstUU = 0, worstHu = 0, worstFd = 0;
  for (const Case& c : cases()) {
    const std::size_t P = c.theta.size();
    const std::vector<double> u = randomVector(P, 11), v = randomVector(P, 12), z = randomVector(P, 13);
    const D3 r = thirdDerivatives(c, u, v, z);
    const double sym = relDiff(r.vu, r.uv);
    // <D3[u,v], z> = <D3[u,z], v> = <D3[z,v], u>, relative to |D3[u,v]| |z|.
    const double t1 = dot(r.uv, z), t2 = dot(r.uz, v), t3 = dot(r.zv, u);
    const double perm = std::max(std::fabs(t1 - t2), std::fabs(t1 - t3)) / (norm(r.uv) * norm(z));
    const double uu =
        std::max({relDiff(r.uu, r.uuFromMixed), relDiff(r.uuGeneric, r.uuFromMixed), relDiff(r.uvGeneric, r.uv)});
    const double hu = relDiff(r.hu, r.huRef);
    const double h = 1e-3 * norm(c.theta) / norm(v);
    const std::vector<double> fd = hvpDerivative(*c.problem, c.theta, u, v, h);
    const double err = relDiff(r.uv, fd);
    std::printf("   %-66s sym %.1e perm %.1e paths %.1e Hu %.1e fd %.1e\n", c.name.c_str(), sym, perm, uu, hu, err);
    worstSym = std::max(worstSym, sym);
    worstPerm = std::max(worstPerm, perm);
    worstUU = std::max(worstUU, uu);
    worstHu = std::max(worstHu, hu);
    worstFd = std::max(worstFd, err);
  }
  checkBelow("D3[u,v] = D3[v,u] (max over 14 cases, relative)", worstSym, 1e-14);
  checkBelow("<D3[u,v],z> symmetric in (u,v,z) (relative to |D3||z|)", worstPerm, 1e-14);
  checkBelow("fused and generic paths agree: D3[u,u] (3 ways), D3[u,v] (2 ways)", worstUU, 1e-14);
  checkBelow("H u from the tangent = HessianOperator", worstHu, 1e-14);
  checkBelow("D3[u,v] vs Richardson central differences of HVPs", worstFd, 1e-11);

  // False cases on the first MSE case: a direction perturbed by 1e-7 (relative) must fail the FD
  // check; dropping the mixed tangent terms must fail the symmetry check.
  const Case c = cases()[3];
  const std::size_t P = c.theta.size();
  const std::vector<double> u = randomVector(P, 11), v = randomVector(P, 12);
  std::vector<double> vBad = v;
  vBad[0] += 1e-7 * norm(v);
  Evaluator ev(*c.problem);
  ev.evaluate(c.theta.data());
  ev.completeGradient();
  ThirdDerivative T(ev);
  std::vector<double> bad(P), good(P);
  T.apply(u.data(), vBad.data(), bad.data());
  const std::vector<double> fd = hvpDerivative(*c.problem, c.theta, u, v, 1e-3 * norm(c.theta) / norm(v));
  checkCaught("D3[u, v + 1e-7 |v| e_0] against the differences along v", relDiff(bad, fd), 1e-11);
  // D3[u, v] without the tangents' cross terms (what a "second-order only" sweep would give).
  ThirdDerivative::Tangent tu, tv, zero;
  T.tangent(u.data(), tu);
  T.tangent(v.data(), tv);
  zero = tv;
  std::fill(zero.alpha.begin(), zero.alpha.end(), 0.0);
  std::fill(zero.beta.begin(), zero.beta.end(), 0.0);
  T.contract(u.data(), tu, v.data(), zero, bad.data());
  T.contract(u.data(), tu, v.data(), tv, good.data());
  checkCaught("a contraction missing the v-tangent terms against the exact one", relDiff(bad, good), 1e-9);
}

// All widths 1: R(x) = c + s (p pi - t)^2 with pi = prod x_k, so with f' = 2 s p (p pi - t),
// f'' = 2 s p^2 and pi_S the product over k not in S (0 if S repeats an index):
//   d_ijk R = f'' (pi_ik pi_j + pi_i pi_jk + pi_ij pi_k) + f' pi_ijk.
void testScalarNetwork() {
  std::printf("-- scalar product network (widths 1, L = 5): closed form --\n");
  const std::vector<double> x = {0.9, -1.1, 1.3, 0.7, -0.8};
  const std::size_t L = x.size();
  auto piExcept = [&](std::initializer_list<std::size_t> skip) {
    std::vector<std::size_t> s(skip);
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i + 1; j < s.size(); ++j)
        if (s[i] == s[j]) return 0.0;
    double p = 1.0;
    for (std::size_t k = 0; k < L; ++k)
      if (std::find(s.begin(), s.end(), k) == s.end()) p *= x[k];
    return p;
  };
  struct Scalar {
    std::string name;
    std::shared_ptr<const Problem> problem;
    double s, t, p;
  };
  std::vector<Scalar> scalars;
  {
    const double X[4] = {1.0, -0.5, 2.0, 0.3}, y[4] = {0.7, 0.1, -1.2, 0.4};
    auto loss = std::make_shared<RegressionLoss>(4, 1, X, y);
    const double s = loss->sigma()[0], t = loss->wStar()[0];
    scalars.push_back({"regression, projection p = 0.7",
                       std::make_shared<const Problem>(NetworkSpec({1, 1, 1, 1, 1, 1}, {0.7}), loss, 0.0), s, t, 0.7});
    scalars.push_back({"regression, projection p = 0.7, L2 0.1",
                       std::make_shared<const Problem>(NetworkSpec({1, 1, 1, 1, 1, 1}, {0.7}), loss, 0.1), s, t, 0.7});
  }
  {
    const double X[3] = {1.0, 2.0, -0.4}, Y[3] = {0.3, 1.1, -0.9};
    auto loss = std::make_shared<MseLoss>(3, 1, 1, X, Y);
    scalars.push_back({"mse 1 x 1", std::make_shared<const Problem>(NetworkSpec({1, 1, 1, 1, 1, 1}, {}), loss, 0.0),
                       loss->sigma()[0], loss->aStar()[0], 1.0});
  }
  {
    auto loss = std::make_shared<CompletionLoss>(1, 1, std::vector<Entry>{{0, 0, 0.4}, {0, 0, -1.0}, {0, 0, 0.9}});
    scalars.push_back({"completion 1 x 1 (three observations)",
                       std::make_shared<const Problem>(NetworkSpec({1, 1, 1, 1, 1, 1}, {}), loss, 0.0), 1.0,
                       (0.4 - 1.0 + 0.9) / 3, 1.0});
  }
  const std::vector<double> u = {0.3, -1.2, 0.5, 0.8, -0.4}, v = {-0.7, 0.2, 1.1, -0.3, 0.9};
  double worst = 0.0, worstBad = 0.0;
  for (const Scalar& sc : scalars) {
    const double pi = piExcept({});
    const double f1 = 2 * sc.s * sc.p * (sc.p * pi - sc.t), f2 = 2 * sc.s * sc.p * sc.p;
    std::vector<double> exact(L, 0.0), dropped(L, 0.0);
    for (std::size_t k = 0; k < L; ++k)
      for (std::size_t i = 0; i < L; ++i)
        for (std::size_t j = 0; j < L; ++j) {
          const double gn = f2 * (piExcept({i, k}) * piExcept({j}) + piExcept({i}) * piExcept({j, k}) +
                                  piExcept({i, j}) * piExcept({k}));
          const double res = f1 * piExcept({i, j, k});
          exact[k] += u[i] * v[j] * (gn + res);
          dropped[k] += u[i] * v[j] * gn;  // false case: without the residual (G) term
        }
    Evaluator ev(*sc.problem);
    ev.evaluate(x.data());
    ev.completeGradient();
    ThirdDerivative T(ev);
    std::vector<double> got(L);
    T.apply(u.data(), v.data(), got.data());
    const double err = relDiff(got, exact);
    std::printf("   %-40s rel err %.1e\n", sc.name.c_str(), err);
    worst = std::max(worst, err);
    worstBad = std::max(worstBad, relDiff(dropped, exact));
  }
  checkBelow("scalar network D3[u,v] against the closed form", worst, 4e-16 * 8);
  checkCaught("closed form without the f' pi_ijk term", worstBad, 4e-16 * 8);
}

// lambda_max of the dense Hessian at theta, and its eigenvector and gap.
struct Top {
  double value, gap;
  std::vector<double> vector;
};
Top denseTop(const Problem& p, const std::vector<double>& theta) {
  Evaluator ev(p);
  ev.evaluate(theta.data());
  ev.completeGradient();
  std::vector<double> H = denseHessian(ev);
  const std::size_t P = theta.size();
  std::vector<double> values(P), vecs(P * P);
  symmetricSpectrum(P, H, values.data(), vecs.data());
  Top t{values[P - 1], values[P - 1] - values[P - 2], std::vector<double>(P)};
  for (std::size_t i = 0; i < P; ++i) t.vector[i] = vecs[i * P + P - 1];
  return t;
}

void testSharpnessGradient() {
  std::printf("-- grad lambda_max: D3[u,u] against central differences of the dense lambda_max --\n");
  double worst = 0.0, worstLanczos = 0.0, worstValue = 0.0;
  std::vector<double> firstGrad, firstFd;
  for (const Case& c : cases()) {
    const std::size_t P = c.theta.size();
    const Top top = denseTop(*c.problem, c.theta);
    Evaluator ev(*c.problem);
    ev.evaluate(c.theta.data());
    ev.completeGradient();
    ThirdDerivative T(ev);
    std::vector<double> grad(P), fd(P);
    T.applySymmetric(top.vector.data(), grad.data());
    // Per coordinate, Richardson of central differences at h and h/2.
    const double h = 1e-3;
    for (std::size_t i = 0; i < P; ++i) {
      auto central = [&](double s) {
        std::vector<double> a = c.theta, b = c.theta;
        a[i] += s;
        b[i] -= s;
        return (denseTop(*c.problem, a).value - denseTop(*c.problem, b).value) / (2 * s);
      };
      fd[i] = (4 * central(h / 2) - central(h)) / 3;
    }
    const double err = relDiff(grad, fd);
    // The same through the API's route: Lanczos with deflation, then the contraction.
    SharpnessGradientOptions o;
    const SharpnessGradientResult r = sharpnessGradient(ev, o);
    const double errLanczos = relDiff(r.contractions, grad);
    const double errValue =
        std::max(std::fabs(r.eigenvalues[0] - top.value) / top.value, std::fabs(r.eigengap - top.gap) / top.gap);
    std::printf("   %-66s rel gap %.1e fd %.1e lanczos %.1e (bound %.1e) values %.1e hvps %zu\n", c.name.c_str(),
                top.gap / top.value, err, errLanczos, r.vectorErrorBound, errValue, r.hvps);
    worst = std::max(worst, err);
    worstLanczos = std::max(worstLanczos, errLanczos / std::max(r.vectorErrorBound, 1e-12));
    worstValue = std::max(worstValue, errValue);
    if (firstGrad.empty()) {
      firstGrad = grad;
      firstFd = fd;
    }
  }
  checkBelow("grad lambda_max = D3[u,u] vs central differences of dense lambda_max", worst, 1e-10);
  checkBelow("sharpnessGradient (Lanczos) vs dense, in units of its error bound (x4 allowed)", worstLanczos, 4.0);
  checkBelow("sharpnessGradient lambda_1 and gap vs dense (relative)", worstValue, 1e-12);
  // False case: half the gradient (D3[u,u] / 2: the classic missing factor).
  for (double& g : firstGrad) g *= 0.5;
  checkCaught("half the sharpness gradient against the differences", relDiff(firstGrad, firstFd), 1e-10);
}

// A repeated top eigenvalue: two identical copies of a small network side by side. MSE with
// Sigma_xx = I and A* = t I (d_0 = d_L = 2), widths 2-4-4-2, every layer block-diagonal with the
// same random block twice (1 -> 2 -> 2 -> 1 per copy). At such a point the Hessian does not
// couple the copies' own parameters, so every eigenvalue of one copy appears (at least) twice;
// here (t = -1) the top one three times: 2.4227 (x3), then 2.3488.
void testRepeatedTop() {
  std::printf("-- a repeated top eigenvalue: refusal and cluster mode --\n");
  const double X[4] = {std::sqrt(2.0), 0.0, 0.0, std::sqrt(2.0)};
  const double t = -1.0;
  const double Y[4] = {t * X[0], 0.0, 0.0, t * X[3]};
  auto problem =
      std::make_shared<const Problem>(NetworkSpec({2, 4, 4, 2}, {}), std::make_shared<MseLoss>(2, 2, 2, X, Y), 0.0);
  const std::size_t P = 32, k = 3;
  std::vector<double> theta(P, 0.0);
  {
    Rng rng(5, Purpose::Data, {});
    double w1[2], w2[4], w3[2];
    for (double& x : w1) x = rng.normal();
    for (double& x : w2) x = rng.normal();
    for (double& x : w3) x = rng.normal();
    for (int c = 0; c < 2; ++c) {
      for (int i = 0; i < 2; ++i) theta[(2 * c + i) * 2 + c] = w1[i];  // W_1: 4 x 2
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) theta[8 + (2 * c + i) * 4 + 2 * c + j] = w2[i * 2 + j];  // W_2: 4 x 4
      for (int j = 0; j < 2; ++j) theta[24 + c * 4 + 2 * c + j] = w3[j];                     // W_3: 2 x 4
    }
  }
  Evaluator ev(*problem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  std::vector<double> H = denseHessian(ev), values(P);
  symmetricSpectrum(P, H, values.data());
  const double split = (values[P - 1] - values[P - 3]) / values[P - 1];
  std::printf("   dense top eigenvalues %.15g %.15g %.15g %.15g\n", values[P - 1], values[P - 2], values[P - 3],
              values[P - 4]);
  checkBelow("precondition: the top eigenvalue is triple (dense, relative split)", split, 1e-14);
  check(values[P - 3] - values[P - 4] > 0.01 * values[P - 1], "precondition: the fourth eigenvalue is separated",
        values[P - 3] - values[P - 4], 0.01 * values[P - 1]);
  // Why the deflated solves: one Krylov space from one start holds one vector of the repeated
  // eigenspace, so a plain top-2 Lanczos reports the next distinct eigenvalue as lambda_2.
  {
    HessianOperator Hop(ev);
    LanczosOptions lo;
    lo.k = 2;
    const LanczosResult plain = lanczos(Hop, lo);
    std::printf("   plain top-2 Lanczos: %.15g %.15g\n", plain.values[0], plain.values[1]);
    checkCaught("a plain top-2 Lanczos reports a false gap here (relative)",
                (plain.values[0] - plain.values[1]) / plain.values[0], 1e-6);
  }
  for (auto method : {SharpnessGradientOptions::Method::Lanczos, SharpnessGradientOptions::Method::Dense}) {
    const std::string name = method == SharpnessGradientOptions::Method::Lanczos ? "lanczos" : "dense";
    SharpnessGradientOptions o;
    o.method = method;
    bool refused = false;
    std::string field;
    try {
      sharpnessGradient(ev, o);
    } catch (const Error& e) {
      refused = e.code() == ErrorCode::Value;
      field = e.field();
    }
    check(refused && field == "options.eigengapTolerance",
          name + ": refuses the repeated top (ERR_DLN_VALUE on options.eigengapTolerance)", refused, 0);
    o.cluster = true;
    const SharpnessGradientResult r = sharpnessGradient(ev, o);
    check(r.clusterSize == k && r.contractions.size() == 6 * P,
          name + ": cluster mode returns k = 3 and 6 contractions", double(r.clusterSize), 3);
    checkBelow(name + ": cluster gap = lambda_3 - lambda_4 (relative to dense)",
               std::fabs(r.eigengap - (values[P - 3] - values[P - 4])) / values[P - 1], 1e-12);
    // The contractions are D3 of the returned basis: check them against direct applications, and
    // their trace (the gradient of lambda_1 + lambda_2 + lambda_3, basis-free) against central
    // differences of the dense eigenvalues.
    ThirdDerivative T(ev);
    std::vector<double> d(P), trace(P, 0.0);
    double worst = 0.0;
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i; j < k; ++j) {
        T.apply(r.vectors.data() + i * P, r.vectors.data() + j * P, d.data());
        const std::size_t at = pairIndex(k, i, j) * P;
        std::vector<double> got(r.contractions.begin() + at, r.contractions.begin() + at + P);
        worst = std::max(worst, relDiff(got, d));
        if (i == j)
          for (std::size_t q = 0; q < P; ++q) trace[q] += d[q];
      }
    checkBelow(name + ": packed contractions = D3[u_i, u_j] of the returned vectors", worst, 1e-14);
    std::vector<double> fd(P);
    for (std::size_t q = 0; q < P; ++q) {
      auto sumTop = [&](double s) {
        std::vector<double> th = theta;
        th[q] += s;
        Evaluator e2(*problem);
        e2.evaluate(th.data());
        e2.completeGradient();
        std::vector<double> H2 = denseHessian(e2), v2(P);
        symmetricSpectrum(P, H2, v2.data());
        return v2[P - 1] + v2[P - 2] + v2[P - 3];
      };
      auto central = [&](double s) { return (sumTop(s) - sumTop(-s)) / (2 * s); };
      fd[q] = (4 * central(1e-4) - central(2e-4)) / 3;
    }
    checkBelow(name + ": trace of the cluster's contractions = grad(lambda_1 + lambda_2 + lambda_3)",
               relDiff(trace, fd), 1e-10);
  }
  SharpnessGradientOptions o;
  o.cluster = true;
  o.maxClusterSize = 2;
  bool refused = false;
  try {
    sharpnessGradient(ev, o);
  } catch (const Error& e) {
    refused = e.field() == "options.maxClusterSize";
  }
  check(refused, "a cluster larger than maxClusterSize is refused (options.maxClusterSize)", refused, 0);
}

void testBadOptions() {
  std::printf("-- bad options --\n");
  const Case c = cases()[0];
  Evaluator ev(*c.problem);
  ev.evaluate(c.theta.data());
  ev.completeGradient();
  auto fieldOf = [&](const std::function<void(SharpnessGradientOptions&)>& edit) {
    SharpnessGradientOptions o;
    edit(o);
    try {
      sharpnessGradient(ev, o);
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  check(fieldOf([](auto& o) { o.tol = 0; }) == "options.tol", "tol = 0 refused on options.tol", 0, 0);
  check(fieldOf([](auto& o) { o.eigengapTolerance = -1; }) == "options.eigengapTolerance",
        "eigengapTolerance < 0 refused", 0, 0);
  check(fieldOf([](auto& o) { o.eigengapTolerance = 1e-10; }) == "options.eigengapTolerance",
        "eigengapTolerance < 10 tol refused (Lanczos)", 0, 0);
  check(fieldOf([](auto& o) { o.maxIterations = 2; }) == "options.maxIterations",
        "non-convergence refused on options.maxIterations", 0, 0);
  check(fieldOf([](auto&) {}) == "(accepted)", "the defaults are accepted (false case of the above)", 0, 0);
}

}  // namespace

int main() {
  testIdentitiesAndDifferences();
  testScalarNetwork();
  testSharpnessGradient();
  testRepeatedTop();
  testBadOptions();
  if (failures) {
    std::printf("%d check(s) FAILED\n", failures);
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}
