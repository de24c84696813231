// The orbit quantities and the Lyapunov exponent (orbit.hpp): against closed forms on a quadratic
// (a depth-1 network: H constant, the tangent map I - eta H exactly), against central finite
// differences of two nearby gradient-descent trajectories of a deep network, and the probe against
// gradient descent continued by the driver itself.
#include <cmath>
#include <memory>
#include <vector>

#include "check.hpp"
#include "evaluator.hpp"
#include "flow.hpp"
#include "gd.hpp"
#include "losses/regression.hpp"
#include "orbit.hpp"

namespace {

// R(w) = (1/2) ||y - X w||^2 with X = diag(1, 2): H = (2/n) X^T X = diag(1, 4) (n = 2).
std::shared_ptr<const dln::Problem> quadratic() {
  const std::vector<double> X = {1.0, 0.0, 0.0, 2.0}, y = {0.3, -0.7};
  auto loss = std::make_shared<dln::RegressionLoss>(2, 2, X.data(), y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec({2, 1}, {}), loss);
}

std::shared_ptr<const dln::Problem> deep() {
  const std::size_t n = 12, d = 3;
  std::vector<double> X(n * d), y(n);
  for (std::size_t i = 0; i < n * d; ++i) X[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
  for (std::size_t i = 0; i < n; ++i) y[i] = std::cos(1.3 * static_cast<double>(i));
  auto loss = std::make_shared<dln::RegressionLoss>(n, d, X.data(), y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec({3, 3, 3, 3, 1}, {}), loss);
}

std::vector<double> gdEnd(const dln::Problem& p, std::vector<double> theta, double eta, std::size_t steps) {
  dln::Evaluator ev(p);
  for (std::size_t j = 0; j < steps; ++j) {
    ev.evaluate(theta.data());
    ev.completeGradient();
    ev.step(-eta, theta.data());
  }
  return theta;
}

double norm(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

}  // namespace

int main() {
  // 1. The quadratic: lambda = (1/W) log |(I - eta H)^W v0| in closed form, and its limit
  //    log max_i |1 - eta lambda_i|.
  {
    auto p = quadratic();
    const std::vector<double> theta = {0.1, -0.2}, v0 = {1.0, 1.0};
    for (const double eta : {0.45, 0.625}) {
      const double m1 = std::fabs(1 - eta * 1.0), m4 = std::fabs(1 - eta * 4.0);
      for (const std::size_t W : {std::size_t{16}, std::size_t{64}}) {
        if (eta > 0.5 && W > 16) continue;  // |1 - 4 eta| = 1.5: the loss passes 1e12 after ~35 steps
        dln::OrbitOptions o;
        o.learningRate = eta;
        o.window = W;
        const dln::Orbit r = dln::followOrbit(*p, theta.data(), v0.data(), o);
        const double w = static_cast<double>(W);
        // (1/W) log(|M^{2W} v0| / |M^W v0|), M = I - eta H = diag(1 - eta, 1 - 4 eta).
        auto logNorm = [&](double k) { return std::log(std::sqrt((std::pow(m1, 2 * k) + std::pow(m4, 2 * k)) / 2)); };
        const double exact = (logNorm(2 * w) - logNorm(w)) / w;
        CHECK(!r.ended, "the quadratic's window completes");
        CHECK_NEAR(r.lyapunov, exact, 1e-13, "lyapunov = (1/W) log(|M^2W v0| / |M^W v0|) (quadratic, closed form)");
        CHECK_NEAR(r.warmup, logNorm(w), 1e-12, "warmup = log |M^W v0|");
        // The limit log |1 - eta lambda_max| (the top eigenvalue gives the largest multiplier here):
        // after the warm-up the estimate is within (m1/m4)^(2W) of it.
        CHECK_NEAR(r.lyapunov, std::log(m4), std::pow(m1 / m4, 2 * w) + 1e-14, "lyapunov = log |1 - eta lambda_max|");
        // The false case: the other eigenvalue's multiplier is far outside that window.
        CHECK(std::fabs(r.lyapunov - std::log(m1)) > 0.3 / 1.0 * std::fabs(std::log(m4) - std::log(m1)),
              "lyapunov is not log |1 - eta lambda_min|");
        CHECK(r.hvps == 2 * W, "one product per step, window and measurement (no sharpness asked)");
      }
    }
    // The loss along the window is gradient descent's, bit for bit; the window ends where the loss
    // passes the ceiling (NaN from there, lyapunov NaN).
    dln::OrbitOptions o;
    o.learningRate = 0.625;
    const dln::Orbit r = dln::followOrbit(*p, theta.data(), v0.data(), o);
    CHECK(r.ended && std::isnan(r.lyapunov) && std::isnan(r.loss.back()) && std::isfinite(r.loss[10]),
          "a diverging window ends with NaN");
    dln::Evaluator ev(*p);
    const std::vector<double> t5 = gdEnd(*p, theta, 0.625, 5);
    CHECK_BITS(r.loss[5], ev.evaluate(t5.data()), "orbitLoss[5] is the loss after 5 steps");
    CHECK_THROWS(dln::followOrbit(*p, theta.data(), v0.data(), dln::OrbitOptions()), dln::ErrorCode::Value,
                 "no learning rate");
  }

  // 2. A deep network: the tangent vector J_{2W-1} ... J_0 v0 = exp(warmup + W lambda) v_2W against
  //    central differences of two trajectories from theta +- eps v0, W = 16 (32 steps).
  {
    auto p = deep();
    const std::size_t P = p->spec().paramCount();
    std::vector<double> theta(P), v0(P), v1(P);
    for (std::size_t i = 0; i < P; ++i) {
      theta[i] = 0.45 + 0.1 * std::sin(2.1 * static_cast<double>(i));
      v0[i] = std::cos(0.9 * static_cast<double>(i) + 0.2);
      v1[i] = std::sin(1.7 * static_cast<double>(i));
    }
    const double n0 = norm(v0);
    for (double& x : v0) x /= n0;
    const double n1 = norm(v1);
    for (double& x : v1) x /= n1;
    for (const double eta : {0.05, 0.3}) {
      dln::OrbitOptions o;
      o.learningRate = eta;
      o.window = 16;
      const dln::Orbit r = dln::followOrbit(*p, theta.data(), v0.data(), o);
      CHECK(!r.ended, "the deep window completes");
      const double growth = std::exp(r.warmup + 16.0 * r.lyapunov);
      auto fd = [&](const std::vector<double>& v) {
        const double eps = 1e-6;
        std::vector<double> a = theta, b = theta;
        for (std::size_t i = 0; i < P; ++i) {
          a[i] += eps * v[i];
          b[i] -= eps * v[i];
        }
        const std::vector<double> ea = gdEnd(*p, a, eta, 32), eb = gdEnd(*p, b, eta, 32);
        std::vector<double> d(P);
        for (std::size_t i = 0; i < P; ++i) d[i] = (ea[i] - eb[i]) / (2 * eps);
        return d;
      };
      const std::vector<double> d = fd(v0), d1 = fd(v1);
      double err = 0.0, err1 = 0.0;
      for (std::size_t i = 0; i < P; ++i) {
        err = std::max(err, std::fabs(growth * r.tangent[i] - d[i]));
        err1 = std::max(err1, std::fabs(growth * r.tangent[i] - d1[i]));
      }
      std::printf("eta %.2f: lyapunov %.6f, growth %.4g, |J v0 - FD| %.3g (relative %.3g)\n", eta, r.lyapunov, growth,
                  err, err / norm(d));
      CHECK(err <= 1e-8 * norm(d), "J_{W-1}...J_0 v0 matches central differences of the trajectories");
      CHECK_NEAR(r.warmup + 16.0 * r.lyapunov, std::log(norm(d)), 1e-8, "the log growth matches the FD separation's");
      CHECK(err1 > 1e-3 * norm(d1), "the false case: another direction's differences do not match");
      // The end point is gradient descent's after 16 steps, bit for bit.
      CHECK(r.end == gdEnd(*p, theta, eta, 32), "the end point, 2W steps on");
    }
  }

  // 3. The probe through the driver: orbitLoss and orbitSharpness are what gradient descent
  //    continued by the driver records; a flow refuses the orbit quantities.
  {
    auto p = deep();
    const std::size_t P = p->spec().paramCount();
    std::vector<double> theta(P);
    for (std::size_t i = 0; i < P; ++i) theta[i] = 0.45 + 0.1 * std::sin(2.1 * static_cast<double>(i));
    dln::GdOptions o;
    o.learningRate = 0.3;
    o.maxSteps = 40;
    o.record = {"loss", "orbitLoss", "sharpness", "orbitSharpness", "orbitAlignment", "lyapunov"};
    dln::RunControl control;
    const dln::GdResult a = dln::gradientDescent(*p, theta, o, control);
    dln::GdOptions c;
    c.learningRate = 0.3;
    c.maxSteps = dln::kOrbitWindow - 1;
    c.recordEvery = 1;
    c.record = {"loss", "sharpness"};
    const dln::GdResult b = dln::gradientDescent(*p, a.weights, c, control);
    const dln::Trace& t = a.trace;
    // The orbit columns together, where the first is asked (as the spectral ones).
    CHECK(t.find("orbitLoss") == 3 && t.find("orbitSharpness") == 4 && t.find("orbitAlignment") == 5 &&
              t.find("lyapunov") == 6 && t.find("sharpness") == 7 && t.column(3).width == dln::kOrbitWindow,
          "the orbit columns together where the first is asked");
    const std::size_t last = t.rows() - 1;
    bool same = true, close = true;
    for (std::size_t j = 0; j < dln::kOrbitWindow; ++j) {
      same = same && check::sameBits(t.column(3).values[last * dln::kOrbitWindow + j], b.trace.column(2).values[j]);
      const double s = t.column(4).values[last * dln::kOrbitWindow + j], want = b.trace.column(3).values[j];
      close = close && std::fabs(s - want) <= 1e-8 * std::fabs(want);
    }
    CHECK(same, "orbitLoss is the driver's loss over the next W steps, bit for bit");
    CHECK(close, "orbitSharpness is the driver's sharpness over the next W steps (Lanczos tolerance)");
    const double align = t.column(5).values[last];
    CHECK(align >= 0 && align <= 1 + 1e-12, "orbitAlignment is a mean of |cosines|");
    CHECK(std::isfinite(t.column(6).values[last]), "lyapunov recorded");
    CHECK(std::isnan(t.column(3).values[0]) && std::isnan(t.column(6).values[0]),
          "the initial row holds NaN (the run is the orbit after its initial point)");
    dln::FlowOptions f;
    f.tEnd = 1.0;
    f.record = {"loss", "lyapunov"};
    CHECK_THROWS(dln::gradientFlow(*p, theta, f, control), dln::ErrorCode::Value, "a flow has no learning rate");
  }
  return check::done("orbit_test");
}
