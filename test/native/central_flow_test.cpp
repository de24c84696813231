// Native tests of the central flow driver (src/central_flow.*):
//   - k = 1: the central flow from a point on the edge against the projected flow written directly
//     (dense Hessian eigenvector, D^3R[u, u, .], v = -g + max(0, -<g, dS>)/|dS|^2 dS, DOPRI5 at
//     tighter tolerances): end points agree to 1e-10 of (measured 2.4e-12) the distance travelled; false cases: plain
//     gradient flow and a projection scaled by 1.001 are caught;
//   - Sigma >= 0, complementarity and the KKT residual at every right-hand side on the edge, and
//     the eigenvalue held at 2/eta at every accepted step;
//   - while S < 2/eta the central flow is gradientFlow bit for bit (weights, loss, steps); after the
//     edge is reached it is not (false case);
//   - an edge entry located on the dense output: the sharpness there is 2/eta.
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "central_flow.hpp"
#include "check.hpp"
#include "data.hpp"
#include "dopri5.hpp"
#include "evaluator.hpp"
#include "flow.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "linalg.hpp"
#include "losses/regression.hpp"
#include "problem.hpp"
#include "sharpness_gradient.hpp"
#include "third_derivative.hpp"

using namespace dln;

namespace {

std::shared_ptr<const Problem> smallRegression(std::uint64_t seed) {
  RegressionData data = marionChizatData(20, 3, 1.0, seed, 0);
  return std::make_shared<const Problem>(NetworkSpec({3, 3, 3, 1}, {}),
                                         std::make_shared<RegressionLoss>(20, 3, data.X.data(), data.y.data()), 0.0);
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

// Top eigenpair of the dense Hessian, the sharpness gradient and the gradient at theta.
struct Edge {
  double lambda;
  std::vector<double> u, dS, g;
};
Edge edgeAt(const Problem& p, const double* theta) {
  const std::size_t P = p.spec().paramCount();
  Evaluator ev(p);
  ev.evaluate(theta);
  ev.completeGradient();
  Edge e;
  e.g.resize(P);
  ev.gradient(e.g.data());
  std::vector<double> H = denseHessian(ev), values(P), vectors(P * P);
  linalg::symmetricEigen(P, H.data(), values.data(), vectors.data());
  e.lambda = values[P - 1];
  e.u.resize(P);
  for (std::size_t i = 0; i < P; ++i) e.u[i] = vectors[i * P + (P - 1)];
  e.dS.resize(P);
  ThirdDerivative D3(ev);
  D3.applySymmetric(e.u.data(), e.dS.data());
  return e;
}

// The k = 1 constrained flow written directly: -g projected onto the tangent of {S = const}
// whenever -g would raise S; `factor` scales the projection (1: exact; the false case: 1.001).
class ProjectedFlow final : public OdeSystem {
 public:
  ProjectedFlow(const Problem& p, double factor) : p_(p), factor_(factor) {}
  std::size_t dimension() const override { return p_.spec().paramCount(); }
  void rhs(const double* y, double* f) override {
    const Edge e = edgeAt(p_, y);
    const double c = dot(e.g, e.dS), n2 = dot(e.dS, e.dS);
    const double s = c < 0 ? factor_ * c / n2 : 0.0;
    for (std::size_t i = 0; i < e.g.size(); ++i) f[i] = -e.g[i] + s * e.dS[i];
  }

 private:
  const Problem& p_;
  double factor_;
};

std::vector<double> integrate(OdeSystem& system, const std::vector<double>& y0, double tEnd) {
  Dopri5Options o;
  o.rtol = 1e-12;
  o.atol = 1e-15;
  Dopri5 solver(system, y0.data(), 0.0, tEnd, o);
  while (solver.step() == Dopri5::Status::Running) {
  }
  CHECK(solver.status() == Dopri5::Status::Finished, "the direct projected flow reaches tEnd");
  return std::vector<double>(solver.y(), solver.y() + system.dimension());
}

}  // namespace

int main() {
  RunControl control;
  // A point where gradient flow sharpens (<grad S, grad R> < 0), put on the edge by the choice of eta.
  std::shared_ptr<const Problem> problem;
  std::vector<double> w0;
  Edge e0;
  for (std::uint64_t seed = 0; seed < 40 && !problem; ++seed) {
    auto p = smallRegression(seed);
    InitOptions io;
    io.scale = 0.5;
    io.seed = seed;
    std::vector<double> w = initialize(p->spec(), io);
    Edge e = edgeAt(*p, w.data());
    if (dot(e.g, e.dS) < -0.1 * std::sqrt(dot(e.g, e.g) * dot(e.dS, e.dS))) {
      problem = p;
      w0 = w;
      e0 = e;
    }
  }
  CHECK(problem != nullptr, "a sharpening start point exists");
  if (!problem) return check::done("central_flow");
  const double eta = 2.0 / (e0.lambda * (1 - 1e-13));  // 2/eta just below lambda_1: on the edge at t = 0

  // --- k = 1 against the projected flow written directly.
  const double T = 0.5;
  CentralFlowOptions co;
  co.learningRate = eta;
  co.eigenTolerance = 1e-13;
  co.flow.tEnd = T;
  co.flow.integrator.rtol = 1e-11;
  co.flow.integrator.atol = 1e-14;
  co.flow.record = {"loss", "predictedLoss", "edgeCount", "sharpness"};
  co.flow.probeOptions.sharpness.tol = 1e-13;
  CentralFlowResult cf = centralFlow(*problem, w0, co, control);
  CHECK(cf.status == RunStatus::Completed, "the central flow completes: " + cf.message);
  CHECK(cf.transitions.empty() && cf.edgeCount == 1, "one eigenvalue at the edge throughout");
  ProjectedFlow direct(*problem, 1.0);
  const std::vector<double> wDirect = integrate(direct, w0, T);
  const double travelled = distance(wDirect, w0);
  std::printf("k = 1: |W_cf - W_direct| / |W_direct - W_0| = %.3e (travelled %.3e, %llu steps, %llu edge rhs)\n",
              distance(cf.weights, wDirect) / travelled, travelled, static_cast<unsigned long long>(cf.accepted),
              static_cast<unsigned long long>(cf.edgeEvaluations));
  CHECK(distance(cf.weights, wDirect) <= 1e-10 * travelled, "k = 1 central flow = the projected flow written directly");
  // False cases: plain gradient flow, and the projection scaled by 1.001.
  FlowOptions fo;
  fo.tEnd = T;
  fo.integrator.rtol = 1e-11;
  fo.integrator.atol = 1e-14;
  FlowResult gf = gradientFlow(*problem, w0, fo, control);
  CHECK(distance(gf.weights, wDirect) > 1e-4 * travelled, "false case caught: gradient flow is not the projected flow");
  ProjectedFlow skewed(*problem, 1.001);
  const std::vector<double> wSkewed = integrate(skewed, w0, T);
  std::printf("false case: |W_skewed - W_direct| / travelled = %.3e\n", distance(wSkewed, wDirect) / travelled);
  CHECK(distance(wSkewed, wDirect) > 1e-6 * travelled, "false case caught: a projection off by 0.1%");
  // The sharpness is held at 2/eta, the predicted loss is R + sigma^2 / eta.
  const Edge eEnd = edgeAt(*problem, cf.weights.data());
  CHECK_REL(eEnd.lambda, 2.0 / eta, 1e-9, "the end point's sharpness is 2/eta");
  const auto& sharp = cf.trace.column(cf.trace.find("sharpness")).values;
  for (double s : sharp) CHECK_REL(s, 2.0 / eta, 1e-9, "recorded sharpness at 2/eta");
  {
    const double c = dot(eEnd.g, eEnd.dS), sigma2 = std::max(0.0, -2 * c / dot(eEnd.dS, eEnd.dS));
    const auto& pl = cf.trace.column(cf.trace.find("predictedLoss")).values;
    const auto& l = cf.trace.column(cf.trace.find("loss")).values;
    CHECK_REL(pl.back() - l.back(), sigma2 / eta, 1e-7, "predictedLoss - loss = sigma^2 / eta at the end");
  }

  // --- Sigma >= 0, complementarity, the edge held (every rhs / accepted step of the run above).
  std::printf("checks: kkt %.2e, min eig S / |S| %.2e, complementarity %.2e, edge deviation %.2e\n", cf.maxKktResidual,
              cf.minSigmaEigen, cf.maxComplementarity, cf.maxEdgeDeviation);
  CHECK(cf.edgeEvaluations >= 6 * cf.accepted, "every rhs on the edge was checked");
  CHECK(cf.minSigmaEigen >= -1e-14 && cf.minSigmaEigen <= 1.0, "Sigma >= 0 at every rhs");
  CHECK(cf.maxComplementarity <= 1e-13, "<S, Y> = 0 at every rhs");
  CHECK(cf.maxKktResidual <= 1e-13, "KKT residual at every rhs");
  CHECK(cf.maxEdgeDeviation <= 1e-10, "lambda_1 = 2/eta at every accepted step");

  // --- Below the edge: bitwise gradient flow; the entry event; after it, not gradient flow.
  {
    CentralFlowOptions below;
    below.learningRate = 2.0 / (4.0 * e0.lambda);  // the edge far above: sharpness 4x below it at t = 0
    below.flow.tEnd = 1.5;
    below.flow.record = {"loss"};
    CentralFlowResult c = centralFlow(*problem, w0, below, control);
    FlowOptions g;
    g.tEnd = 1.5;
    g.record = {"loss"};
    FlowResult f = gradientFlow(*problem, w0, g, control);
    CHECK(c.transitions.empty(), "no edge reached");
    CHECK(c.accepted == f.accepted && c.nfev == f.nfev, "the same steps as gradientFlow");
    bool same = c.weights.size() == f.weights.size();
    for (std::size_t i = 0; same && i < f.weights.size(); ++i) same = c.weights[i] == f.weights[i];
    CHECK(same, "end point bitwise gradientFlow's while S < 2/eta");
    CHECK_BITS(c.finalLoss, f.finalLoss, "final loss bitwise");

    // An eta whose edge gradient flow reaches: entry located, then the flows part.
    CentralFlowOptions reach;
    reach.learningRate = 2.0 / (1.3 * e0.lambda);
    reach.flow.tEnd = 3.0;
    reach.flow.record = {"loss", "sharpness"};
    CentralFlowResult r = centralFlow(*problem, w0, reach, control);
    CHECK(!r.transitions.empty() && r.transitions[0].from == 0 && r.transitions[0].to == 1, "the edge is entered");
    if (!r.transitions.empty()) {
      const double t1 = r.transitions[0].time;
      std::printf("entry at t = %.6f\n", t1);
      g.tEnd = 0.5 * t1;
      reach.flow.tEnd = 0.5 * t1;
      CentralFlowResult before = centralFlow(*problem, w0, reach, control);
      FlowResult gBefore = gradientFlow(*problem, w0, g, control);
      bool eq = true;
      for (std::size_t i = 0; i < w0.size(); ++i) eq = eq && before.weights[i] == gBefore.weights[i];
      CHECK(eq, "bitwise gradientFlow before the entry");
      // The entry point: sharpness 2/eta there (the state at t1 by a run that ends there).
      reach.flow.tEnd = t1;
      CentralFlowResult at = centralFlow(*problem, w0, reach, control);
      CHECK_REL(edgeAt(*problem, at.weights.data()).lambda, 2.0 / reach.learningRate, 1e-8,
                "sharpness 2/eta at the located entry");
      g.tEnd = 3.0;
      FlowResult gAfter = gradientFlow(*problem, w0, g, control);
      CHECK(distance(gAfter.weights, r.weights) > 1e-3 * distance(gAfter.weights, w0),
            "false case caught: after the entry the flows differ");
      CHECK(edgeAt(*problem, gAfter.weights.data()).lambda > 1.01 * 2.0 / reach.learningRate,
            "gradient flow itself goes past the edge");
    }
  }

  // --- Bad options name their field.
  {
    CentralFlowOptions bad;
    bad.flow.tEnd = 1.0;
    CHECK_THROWS(centralFlow(*problem, w0, bad, control), ErrorCode::Value, "learningRate 0 refused");
    bad.learningRate = 0.1;
    bad.maxEdge = 5;
    CHECK_THROWS(centralFlow(*problem, w0, bad, control), ErrorCode::Value, "maxEdge 5 refused");
  }
  return check::done("central_flow");
}
