#include "optimizers/quantities.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hessian.hpp"
#include "lanczos.hpp"
#include "optimizers/batch.hpp"
#include "optimizers/optimizer.hpp"

namespace dln {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class EdgeProbe final : public Probe {
 public:
  void declare(Trace& trace) override { column_ = trace.declare("stabilityEdge"); }
  void record(ProbeContext& c, Trace& trace) override {
    trace.push(column_, c.optimizer ? c.optimizer->stabilityEdge(c.step, c.evaluator) : kNaN);
  }

 private:
  std::size_t column_ = 0;
};

// momentumNorm / secondMomentNorm: the rule's state norms (Optimizer::momentumNorm, secondMomentNorm).
class StateNormProbe final : public Probe {
 public:
  StateNormProbe(const Problem& problem, bool second) : second_(second), scratch_(problem.spec().paramCount()) {}
  void declare(Trace& trace) override { column_ = trace.declare(second_ ? "secondMomentNorm" : "momentumNorm"); }
  void record(ProbeContext& c, Trace& trace) override {
    double value = kNaN;
    if (c.optimizer) {
      value = second_ ? c.optimizer->secondMomentNorm(c.step, c.evaluator, scratch_.data())
                      : c.optimizer->momentumNorm(c.step, c.theta, c.evaluator, scratch_.data());
    }
    trace.push(column_, value);
  }

 private:
  bool second_;
  std::vector<double> scratch_;
  std::size_t column_ = 0;
};

// D H D with D = P^{-1/2}.
class PreconditionedHessian final : public SymmetricOperator {
 public:
  PreconditionedHessian(const Evaluator& ev, const std::vector<double>& scale) : H_(ev), d_(scale), u_(scale.size()) {}
  std::size_t dimension() const override { return d_.size(); }
  void apply(const double* v, double* out) override {
    for (std::size_t i = 0; i < d_.size(); ++i) u_[i] = d_[i] * v[i];
    H_.apply(u_.data(), out);
    for (std::size_t i = 0; i < d_.size(); ++i) out[i] *= d_[i];
  }

 private:
  HessianOperator H_;
  const std::vector<double>& d_;
  std::vector<double> u_;
};

class PreconditionedProbe final : public Probe {
 public:
  PreconditionedProbe(const Problem& problem, const ProbeOptions& options)
      : options_(options.sharpness), scale_(problem.spec().paramCount()) {}
  void declare(Trace& trace) override { column_ = trace.declare("preconditionedSharpness"); }
  void record(ProbeContext& c, Trace& trace) override {
    if (!c.optimizer || !c.optimizer->preconditioner(c.step, c.evaluator, scale_.data())) {
      std::fill(scale_.begin(), scale_.end(), 1.0);
    }
    for (double& x : scale_) x = 1.0 / std::sqrt(x);
    PreconditionedHessian op(c.evaluator, scale_);
    LanczosOptions lo;
    lo.tol = options_.tol;
    lo.maxIterations = options_.maxIterations;
    lo.seed = options_.seed;
    lo.stream = c.step;
    lo.wantVectors = false;
    lo.cancel = c.cancel;
    trace.push(column_, lanczos(op, lo).values.at(0));
  }

 private:
  SharpnessOptions options_;
  std::vector<double> scale_;
  std::size_t column_ = 0;
};

double directionalCurvature(const Evaluator& ev, std::vector<double>& g, std::vector<double>& hg) {
  ev.gradient(g.data());
  double gg = 0.0;
  for (double x : g) gg += x * x;
  if (gg == 0.0) return kNaN;
  HessianOperator H(ev);
  H.apply(g.data(), hg.data());
  double ghg = 0.0;
  for (std::size_t i = 0; i < g.size(); ++i) ghg += g[i] * hg[i];
  return ghg / gg;
}

class BatchSharpnessProbe final : public Probe {
 public:
  explicit BatchSharpnessProbe(const Problem& problem) : g_(problem.spec().paramCount()), hg_(g_.size()) {}
  void declare(Trace& trace) override { column_ = trace.declare("batchSharpness"); }
  void record(ProbeContext& c, Trace& trace) override {
    const BatchSampler* s = c.optimizer ? c.optimizer->sampler() : nullptr;
    if (!s) {
      trace.push(column_, directionalCurvature(c.evaluator, g_, hg_));
      return;
    }
    if (!model_) model_ = std::make_unique<BatchModel>(c.problem);
    BatchSampler own(*s);  // a copy: the run's sequence is a function of the step, not of the copy's cache
    const std::size_t m = std::min<std::size_t>((s->samples() + s->batchSize() - 1) / s->batchSize(), 64);
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t j = 0; j < m; ++j) {
      c.cancel.check();
      const std::vector<std::size_t>& rows = own.batch(c.step + j);
      model_->loss->select(rows.data(), rows.size());
      model_->evaluator.evaluate(c.theta);
      model_->evaluator.completeGradient();
      const double k = directionalCurvature(model_->evaluator, g_, hg_);
      if (std::isfinite(k)) {
        sum += k;
        ++count;
      }
    }
    trace.push(column_, count > 0 ? sum / static_cast<double>(count) : kNaN);
  }

 private:
  std::vector<double> g_, hg_;
  std::unique_ptr<BatchModel> model_;
  std::size_t column_ = 0;
};

}  // namespace

bool isOptimizerQuantity(const std::string& name) {
  return name == "stabilityEdge" || name == "preconditionedSharpness" || name == "batchSharpness" ||
         name == "momentumNorm" || name == "secondMomentNorm";
}

std::unique_ptr<Probe> makeOptimizerProbe(const std::string& name, const Problem& problem,
                                          const ProbeOptions& options) {
  if (name == "stabilityEdge") return std::make_unique<EdgeProbe>();
  if (name == "preconditionedSharpness") return std::make_unique<PreconditionedProbe>(problem, options);
  if (name == "batchSharpness") return std::make_unique<BatchSharpnessProbe>(problem);
  if (name == "momentumNorm") return std::make_unique<StateNormProbe>(problem, false);
  if (name == "secondMomentNorm") return std::make_unique<StateNormProbe>(problem, true);
  return nullptr;
}

}  // namespace dln
