#include "edge_probes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "diagnostics.hpp"
#include "error.hpp"
#include "flow.hpp"
#include "sharpness_gradient.hpp"
#include "spectrum.hpp"

namespace dln {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double norm(std::size_t n, const double* x) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

// An error that means "not defined here" (a repeated top eigenvalue, Lanczos not converging, an
// overflowing product) becomes NaN; anything else (cancellation, memory) propagates.
bool undefinedHere(const Error& e) { return e.code() == ErrorCode::Value; }

class SharpnessGradientNormProbe final : public Probe {
 public:
  explicit SharpnessGradientNormProbe(const SharpnessOptions& s) {
    o_.tol = s.tol;
    o_.maxIterations = s.maxIterations;
    o_.seed = s.seed;
  }
  void declare(Trace& trace) override { column_ = trace.declare("sharpnessGradientNorm"); }
  void record(ProbeContext& c, Trace& trace) override {
    double value = kNaN;
    try {
      // The same computation as the API's sharpnessGradient() with these options (bitwise).
      CancelFlagControl control(c.cancel);
      const SharpnessGradientResult r = sharpnessGradient(c.evaluator, o_, &control.control);
      value = norm(c.problem.spec().paramCount(), r.contractions.data());
    } catch (const Error& e) {
      if (!undefinedHere(e)) throw;
    }
    trace.push(column_, value);
  }

 private:
  // A RunControl whose cancellation is the probe's flag.
  struct CancelFlagControl {
    explicit CancelFlagControl(CancelFlag f) : control(f.pointer(), nullptr) {}
    RunControl control;
  };
  SharpnessGradientOptions o_;
  std::size_t column_ = 0;
};

class LayerImbalanceProbe final : public Probe {
 public:
  void declare(Trace& trace) override { column_ = trace.declare("layerImbalance"); }
  void record(ProbeContext& c, Trace& trace) override {
    double worst = 0.0;
    for (std::size_t l = 0; l + 1 < c.problem.spec().depth(); ++l) {
      const std::vector<double> D = diagnostics::balancedness(c.problem.spec(), c.theta, l);
      worst = std::max(worst, norm(D.size(), D.data()));
    }
    trace.push(column_, worst);
  }

 private:
  std::size_t column_ = 0;
};

// ||theta||_2 over every layer's entries (GD against its flow: where each ends; the flow conserves
// the imbalance, not the norm).
class WeightNormProbe final : public Probe {
 public:
  void declare(Trace& trace) override { column_ = trace.declare("weightNorm"); }
  void record(ProbeContext& c, Trace& trace) override {
    trace.push(column_, norm(c.problem.spec().paramCount(), c.theta));
  }

 private:
  std::size_t column_ = 0;
};

class GfsSharpnessProbe final : public Probe {
 public:
  GfsSharpnessProbe(const Problem& problem, const SharpnessOptions& s) : s_(s) {
    s_.method = SharpnessOptions::Method::Lanczos;
    s_.k = 1;
    try {
      validate(s_, problem.spec().paramCount());
    } catch (const Error& e) {
      throw e.under("sharpness");
    }
    flow_.tEnd = std::numeric_limits<double>::infinity();
    flow_.integrator.rtol = 1e-8;
    flow_.integrator.atol = 1e-12;
    flow_.maxSteps = 100000;
    flow_.record = {"loss"};
    FlowEventSpec e;
    e.quantity = "gradNorm";
    e.name = "gradNormBelow";
    e.field = "gfsSharpness";
    flow_.events.push_back(e);
  }
  void declare(Trace& trace) override { column_ = trace.declare("gfsSharpness"); }
  void record(ProbeContext& c, Trace& trace) override {
    const std::size_t P = c.problem.spec().paramCount();
    if (std::isnan(gradNorm0_)) {
      Evaluator ev0(c.problem);
      ev0.evaluate(c.theta0);
      ev0.completeGradient();
      gradNorm0_ = std::sqrt(ev0.gradNormSquared());
    }
    const double g = std::sqrt(c.evaluator.gradNormSquared());
    flow_.events[0].threshold = 1e-7 * std::max(g, std::isfinite(gradNorm0_) ? gradNorm0_ : 0.0);
    double value = kNaN;
    try {
      RunControl control(c.cancel.pointer(), nullptr);
      const std::vector<double> start(c.theta, c.theta + P);
      FlowResult limit = gradientFlow(c.problem, start, flow_, control);
      if (limit.status == RunStatus::Cancelled) c.cancel.check();
      if (limit.status == RunStatus::Converged) {
        Evaluator ev(c.problem);
        ev.evaluate(limit.weights.data());
        ev.completeGradient();
        SpectrumRequest request;
        request.vectors = s_.warmStart;
        request.start = s_.warmStart && !previous_.empty() ? previous_.data() : nullptr;
        request.stream = recordings_;
        request.cancel = c.cancel;
        Spectrum sp = hessianSpectrum(ev, s_, request);
        value = sp.values[0];
        if (request.vectors) previous_.assign(sp.vectors.begin(), sp.vectors.begin() + static_cast<long>(P));
      }
    } catch (const Error& e) {
      if (!undefinedHere(e)) throw;
    }
    ++recordings_;
    trace.push(column_, value);
  }

 private:
  SharpnessOptions s_;
  FlowOptions flow_;
  double gradNorm0_ = kNaN;
  std::vector<double> previous_;
  std::uint64_t recordings_ = 0;
  std::size_t column_ = 0;
};

}  // namespace

std::vector<std::string> edgeQuantities() {
  return {"sharpnessGradientNorm", "gfsSharpness", "layerImbalance", "weightNorm"};
}

std::unique_ptr<Probe> makeEdgeProbe(const std::string& name, const Problem& problem, const ProbeOptions& options) {
  if (name == "sharpnessGradientNorm") {
    try {
      validate(options.sharpness);
    } catch (const Error& e) {
      throw e.under("sharpness");
    }
    if (options.sharpness.tol > 1e-7) {
      fail(ErrorCode::Value, "sharpness.tol",
           "must be <= 1e-7 for 'sharpnessGradientNorm' (the top eigenvalue must be resolved to a relative gap of "
           "1e-6)");
    }
    return std::make_unique<SharpnessGradientNormProbe>(options.sharpness);
  }
  if (name == "gfsSharpness") return std::make_unique<GfsSharpnessProbe>(problem, options.sharpness);
  if (name == "layerImbalance") return std::make_unique<LayerImbalanceProbe>();
  if (name == "weightNorm") return std::make_unique<WeightNormProbe>();
  return nullptr;
}

}  // namespace dln
