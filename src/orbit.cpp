#include "orbit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "rng.hpp"

namespace dln {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double dot(std::size_t n, const double* a, const double* b) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// The stream of the orbit's tangent start vectors (one per recording), apart from the Lanczos
// streams of the same seed (those count recordings from 0; the power probe's from 10^6).
constexpr std::uint64_t kTangentStream = 3000000;

}  // namespace

Orbit followOrbit(const Problem& problem, const double* theta0, const double* tangent0, const OrbitOptions& o) {
  if (!std::isfinite(o.learningRate) || o.learningRate <= 0)
    fail(ErrorCode::Value, "learningRate", "must be a finite number > 0");
  if (o.window == 0) fail(ErrorCode::Value, "window", "must be >= 1");
  const std::size_t P = problem.spec().paramCount();
  const std::size_t W = o.window;
  const double eta = o.learningRate;
  Orbit r;
  r.loss.assign(W, kNaN);
  if (o.sharpness) r.sharpness.assign(W, kNaN);
  std::vector<double> theta(theta0, theta0 + P), v(tangent0, tangent0 + P), hv(P), grad(P), previous;
  const double n0 = std::sqrt(dot(P, v.data(), v.data()));
  if (o.lyapunov && !(n0 > 0 && std::isfinite(n0))) fail(ErrorCode::Value, "tangent", "must be finite and nonzero");
  if (o.lyapunov)
    for (double& x : v) x /= n0;
  Evaluator ev(problem);
  HessianOperator H(ev);
  LanczosWorkspace workspace;
  double logSum = 0.0, alignmentSum = 0.0;
  double ceiling = o.lossCeiling;
  try {
    // The recorded window (j < W), then, for the exponent, W more steps: over the window the tangent
    // vector turns towards the most expanding direction (its growth there is `warmup`), and the
    // exponent is measured over the steps after it.
    const std::size_t total = o.lyapunov ? 2 * W : W;
    for (std::size_t j = 0; j < total; ++j) {
      o.cancel.check();
      const double loss = ev.evaluate(theta.data());
      if (j == 0 && std::isfinite(loss)) ceiling = std::min(ceiling, 1e12 * std::max(1.0, loss));
      if (!std::isfinite(loss) || loss > ceiling) {
        r.ended = true;
        break;
      }
      if (j < W) r.loss[j] = loss;
      ev.completeGradient();
      if (o.lyapunov) {
        // v' = (I - eta H(theta_j)) v: the tangent map of theta -> theta - eta grad R(theta).
        H.apply(v.data(), hv.data());
        ++r.hvps;
        for (std::size_t i = 0; i < P; ++i) hv[i] = v[i] - eta * hv[i];
        const double g = std::sqrt(dot(P, hv.data(), hv.data()));
        if (!(g > 0 && std::isfinite(g))) {
          r.ended = true;
          break;
        }
        (j < W ? r.warmup : logSum) += std::log(g);
        for (std::size_t i = 0; i < P; ++i) v[i] = hv[i] / g;
      }
      if (o.sharpness && j < W) {
        SpectrumRequest request;
        request.vectors = true;
        request.start = previous.empty() ? nullptr : previous.data();
        request.stream = o.stream * W + j;
        request.cancel = o.cancel;
        request.workspace = &workspace;
        Spectrum s = hessianSpectrum(ev, o.spectral, request);
        r.hvps += s.products;
        r.sharpness[j] = s.values[0];
        previous.assign(s.vectors.begin(), s.vectors.begin() + static_cast<long>(P));
        ev.gradient(grad.data());
        const double gn = std::sqrt(dot(P, grad.data(), grad.data()));
        // A zero gradient (a fixed point) has no direction: it counts as aligned (nothing moves).
        alignmentSum += gn > 0 ? std::fabs(dot(P, grad.data(), previous.data())) / gn : 1.0;
      }
      ev.step(-eta, theta.data());
    }
  } catch (const Error& e) {
    // An overflowing product on the way to divergence ends the window like a non-finite loss.
    if (e.code() != ErrorCode::Value || e.field() != "weights") throw;
    r.ended = true;
  }
  r.lyapunov = !o.lyapunov || r.ended ? kNaN : logSum / static_cast<double>(W);
  r.alignment = !o.sharpness || r.ended ? kNaN : alignmentSum / static_cast<double>(W);
  r.tangent = std::move(v);
  r.end = std::move(theta);
  return r;
}

bool isOrbitQuantity(const std::string& name) {
  return name == "orbitLoss" || name == "orbitSharpness" || name == "orbitAlignment" || name == "lyapunov";
}

std::vector<std::string> orbitQuantities() { return {"orbitLoss", "orbitSharpness", "orbitAlignment", "lyapunov"}; }

namespace {

class OrbitProbe final : public Probe {
 public:
  OrbitProbe(std::vector<std::string> names, const Problem& problem, const SharpnessOptions& s)
      : names_(std::move(names)), spectral_(s) {
    try {
      validate(spectral_, problem.spec().paramCount());
    } catch (const Error& e) {
      throw e.under("sharpness");
    }
    for (const auto& n : names_) {
      if (n == "orbitSharpness" || n == "orbitAlignment") {
        if (spectral_.method != SharpnessOptions::Method::Lanczos &&
            spectral_.method != SharpnessOptions::Method::Dense)
          fail(ErrorCode::Value, "sharpness.method", "'" + n + "' needs the lanczos or dense method");
        sharpness_ = true;
      }
      lyapunov_ = lyapunov_ || n == "lyapunov";
    }
    spectral_.k = 1;
  }

  void declare(Trace& trace) override {
    columns_.clear();
    for (const auto& n : names_)
      columns_.push_back(trace.declare(n, n == "orbitLoss" || n == "orbitSharpness" ? kOrbitWindow : 1));
  }

  void record(ProbeContext& c, Trace& trace) override {
    if (!std::isfinite(c.learningRate)) {
      fail(ErrorCode::Value, "record",
           "'" + names_[0] + "' needs plain gradient descent (a learning rate; not a flow or another optimizer)");
    }
    if (c.step == 0) {
      // The run itself is the orbit after its initial point: the initial row holds NaN (and costs
      // nothing), so a sweep pays for one window per run, at its end.
      for (std::size_t i = 0; i < names_.size(); ++i) {
        const std::size_t width = names_[i] == "orbitLoss" || names_[i] == "orbitSharpness" ? kOrbitWindow : 1;
        for (std::size_t j = 0; j < width; ++j) trace.push(columns_[i], kNaN);
      }
      return;
    }
    const std::size_t P = c.problem.spec().paramCount();
    std::vector<double> v0(P);
    Rng rng(spectral_.seed, Purpose::Eigensolver, {kTangentStream + recordings_});
    for (double& x : v0) x = rng.normal();
    OrbitOptions o;
    o.learningRate = c.learningRate;
    o.sharpness = sharpness_;
    o.lyapunov = lyapunov_;
    o.spectral = spectral_;
    o.stream = recordings_;
    o.cancel = c.cancel;
    ++recordings_;
    const Orbit r = followOrbit(c.problem, c.theta, v0.data(), o);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      const std::string& n = names_[i];
      if (n == "orbitLoss") trace.push(columns_[i], r.loss.data(), r.loss.size());
      else if (n == "orbitSharpness") trace.push(columns_[i], r.sharpness.data(), r.sharpness.size());
      else if (n == "orbitAlignment") trace.push(columns_[i], r.alignment);
      else trace.push(columns_[i], r.lyapunov);
    }
  }

 private:
  std::vector<std::string> names_;
  SharpnessOptions spectral_;
  bool sharpness_ = false, lyapunov_ = false;
  std::vector<std::size_t> columns_;
  std::uint64_t recordings_ = 0;
};

}  // namespace

std::unique_ptr<Probe> makeOrbitProbe(const std::vector<std::string>& names, const Problem& problem,
                                      const ProbeOptions& options) {
  std::vector<std::string> mine;
  for (const auto& n : names)
    if (isOrbitQuantity(n) && std::find(mine.begin(), mine.end(), n) == mine.end()) mine.push_back(n);
  if (mine.empty()) fail(ErrorCode::Internal, "record", "no orbit quantity");
  return std::make_unique<OrbitProbe>(std::move(mine), problem, options.sharpness);
}

}  // namespace dln
