#include "probes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "diagnostics.hpp"
#include "edge_probes.hpp"
#include "error.hpp"
#include "hessian.hpp"
#include "lanczos.hpp"
#include "linalg.hpp"
#include "losses/regression.hpp"
#include "optimizers/quantities.hpp"
#include "orbit.hpp"

namespace dln {

namespace {

// A probe computing one scalar from the context.
template <class F>
class ScalarProbe final : public Probe {
 public:
  ScalarProbe(std::string name, F f) : name_(std::move(name)), f_(std::move(f)) {}
  void declare(Trace& trace) override { column_ = trace.declare(name_); }
  void record(ProbeContext& c, Trace& trace) override { trace.push(column_, f_(c)); }

 private:
  std::string name_;
  F f_;
  std::size_t column_ = 0;
};

template <class F>
std::unique_ptr<Probe> scalar(std::string name, F f) {
  return std::make_unique<ScalarProbe<F>>(std::move(name), std::move(f));
}

// Singular values of the end-to-end map, and what follows from them. One SVD feeds all three
// columns when several are requested, but each probe is independent to keep names composable.
class SpectrumProbe final : public Probe {
 public:
  enum class What { Values, Rank, Nuclear, Schatten };
  SpectrumProbe(What what, const Problem& p, double tol) : what_(what), tol_(tol) {
    rows_ = p.univariate() ? 1 : p.spec().outputDim();
    cols_ = p.spec().inputDim();
    k_ = std::min(rows_, cols_);
    s_.resize(k_);
  }
  void declare(Trace& trace) override {
    switch (what_) {
      case What::Values: column_ = trace.declare("singularValues", k_); break;
      case What::Rank: column_ = trace.declare("rank"); break;
      case What::Nuclear: column_ = trace.declare("nuclearNorm"); break;
      case What::Schatten: column_ = trace.declare("schatten2OverL"); break;
    }
  }
  void record(ProbeContext& c, Trace& trace) override {
    linalg::svd(rows_, cols_, c.evaluator.endToEnd(), s_.data());
    if (what_ == What::Values) {
      trace.push(column_, s_.data(), k_);
    } else if (what_ == What::Rank) {
      trace.push(column_, static_cast<double>(std::count_if(s_.begin(), s_.end(), [&](double v) { return v > tol_; })));
    } else if (what_ == What::Nuclear) {
      double sum = 0.0;
      for (double v : s_) sum += v;
      trace.push(column_, sum);
    } else {
      trace.push(column_,
                 diagnostics::schattenPower(s_.data(), k_, 2.0 / static_cast<double>(c.problem.spec().depth())));
    }
  }

 private:
  What what_;
  double tol_;
  std::size_t rows_, cols_, k_, column_ = 0;
  std::vector<double> s_;
};

// Per-layer structure (diagnostics.hpp), from one SVD per layer, and the balancedness ||D_l||_2
// between layers.
class LayerProbe final : public Probe {
 public:
  enum class What { RankOneGap, LayerNorms, Spread, Alignment, Balancedness };
  LayerProbe(What what, std::size_t depth) : what_(what), depth_(depth) {}
  void declare(Trace& trace) override {
    switch (what_) {
      case What::RankOneGap: column_ = trace.declare("rankOneGap", depth_); break;
      case What::LayerNorms: column_ = trace.declare("layerNorms", depth_); break;
      case What::Spread: column_ = trace.declare("singularSpread"); break;
      case What::Alignment: column_ = trace.declare("alignment", depth_ > 1 ? depth_ - 1 : 1); break;
      case What::Balancedness: column_ = trace.declare("balancedness", depth_ > 1 ? depth_ - 1 : 1); break;
    }
  }
  void record(ProbeContext& c, Trace& trace) override {
    if (what_ == What::Balancedness) {
      const std::vector<double> norms = diagnostics::balancednessNorms(c.problem.spec(), c.theta);
      trace.push(column_, norms.data(), norms.size());
      return;
    }
    const auto spectra = diagnostics::layerSpectra(c.problem.spec(), c.theta);
    std::vector<double> values;
    switch (what_) {
      case What::RankOneGap: values = diagnostics::rankOneGaps(spectra); break;
      case What::LayerNorms:
        for (const auto& s : spectra) values.push_back(s.sigma);
        break;
      case What::Spread: values = {diagnostics::singularSpread(spectra)}; break;
      case What::Alignment: values = diagnostics::alignments(spectra); break;
      case What::Balancedness: break;
    }
    trace.push(column_, values.data(), values.size());
  }

 private:
  What what_;
  std::size_t depth_, column_ = 0;
};

// max_l ||D_l(theta) - D_l(theta_0)||_F, against the run's initial point.
class BalancednessProbe final : public Probe {
 public:
  void declare(Trace& trace) override { column_ = trace.declare("balancednessDrift"); }
  void record(ProbeContext& c, Trace& trace) override {
    if (reference_.empty()) {
      for (std::size_t l = 0; l + 1 < c.problem.spec().depth(); ++l)
        reference_.push_back(diagnostics::balancedness(c.problem.spec(), c.theta0, l));
    }
    trace.push(column_, diagnostics::balancednessDrift(c.problem.spec(), c.theta, reference_));
  }

 private:
  std::size_t column_ = 0;
  std::vector<std::vector<double>> reference_;
};

bool isSpectral(const std::string& name) {
  return name == "sharpness" || name == "sharpnessTopK" || name == "lambdaMin" || name == "spectralRadius" ||
         name == "sharpnessResidual" || name == "sharpnessHvps";
}

// The top of the Hessian spectrum at each recording. One probe serves every spectral column a run
// asks for, so a recording costs one eigensolve; along a trajectory Lanczos starts from the
// previous recording's top Ritz vector (plus a little seeded noise, so a crossing eigenvalue is
// not missed).
class SpectralProbe final : public Probe {
 public:
  SpectralProbe(std::vector<std::string> names, const Problem& problem, const SharpnessOptions& o)
      : names_(std::move(names)), o_(o) {
    try {
      validate(o_, problem.spec().paramCount());
    } catch (const Error& e) {
      throw e.under("sharpness");
    }
    for (const auto& n : names_) {
      if (o_.method == SharpnessOptions::Method::Power && n != "sharpness" && n != "sharpnessHvps") {
        fail(ErrorCode::Value, "sharpness.method",
             "'" + n + "' needs the lanczos or dense method (power iteration estimates the spectral radius only)");
      }
      wantSmallest_ = wantSmallest_ || n == "lambdaMin" || n == "spectralRadius";
    }
  }

  void declare(Trace& trace) override {
    columns_.clear();
    kinds_.clear();
    for (const auto& n : names_) {
      columns_.push_back(trace.declare(n, n == "sharpnessTopK" ? o_.k : 1));
      // Each column's kind once, not a string comparison per column per recording.
      kinds_.push_back(n == "sharpness"           ? Kind::Sharpness
                       : n == "sharpnessTopK"     ? Kind::TopK
                       : n == "lambdaMin"         ? Kind::LambdaMin
                       : n == "spectralRadius"    ? Kind::Radius
                       : n == "sharpnessResidual" ? Kind::Residual
                                                  : Kind::Hvps);
    }
  }

  void record(ProbeContext& c, Trace& trace) override {
    try {
      solve(c);
    } catch (const Error& e) {
      // A Hessian-vector product that overflows (a run on its way to divergence) is a NaN
      // recording, like any other quantity there, not an exception out of the run.
      if (e.code() != ErrorCode::Value || e.field() != "weights") throw;
      std::fill(top_.begin(), top_.end(), std::numeric_limits<double>::quiet_NaN());
      smallest_ = residual_ = std::numeric_limits<double>::quiet_NaN();
      previous_.clear();
    }
    ++recordings_;
    for (std::size_t i = 0; i < kinds_.size(); ++i) {
      switch (kinds_[i]) {
        case Kind::Sharpness: trace.push(columns_[i], top_[0]); break;
        case Kind::TopK: trace.push(columns_[i], top_.data(), top_.size()); break;
        case Kind::LambdaMin: trace.push(columns_[i], smallest_); break;
        case Kind::Radius: trace.push(columns_[i], std::max(std::fabs(top_[0]), std::fabs(smallest_))); break;
        case Kind::Residual: trace.push(columns_[i], residual_); break;
        case Kind::Hvps: trace.push(columns_[i], static_cast<double>(hvps_)); break;
      }
    }
  }

 private:
  void solve(ProbeContext& c) {
    using M = SharpnessOptions::Method;
    // What a failed solve leaves (NaN values, 0 products), for the catch in record().
    top_.assign(o_.k, std::numeric_limits<double>::quiet_NaN());
    smallest_ = residual_ = std::numeric_limits<double>::quiet_NaN();
    hvps_ = 0;
    SpectrumRequest request;
    request.smallest = wantSmallest_;
    request.vectors = o_.method == M::Lanczos && o_.warmStart;  // the next recording's start
    request.start = o_.warmStart && !previous_.empty() ? previous_.data() : nullptr;
    request.stream = recordings_;
    request.cancel = c.cancel;
    request.workspace = &workspace_;
    if (!H_ || &H_->evaluator() != &c.evaluator) H_ = std::make_unique<HessianOperator>(c.evaluator);
    request.hessian = H_.get();
    Spectrum s = hessianSpectrum(c.evaluator, o_, request);
    top_ = std::move(s.values);
    smallest_ = o_.method == M::Power ? std::numeric_limits<double>::quiet_NaN() : s.smallest;
    residual_ = o_.method == M::Power ? std::numeric_limits<double>::quiet_NaN() : s.residuals[0];
    hvps_ = s.products;
    if (request.vectors) {
      // The Ritz vector (row 0 of s.vectors) is the next start; the previous start's buffer goes
      // back to the workspace for the next solve's vectors (no allocation or copy per recording).
      std::swap(previous_, s.vectors);
      workspace_.vectors = std::move(s.vectors);
    }
  }

  std::vector<std::string> names_;
  SharpnessOptions o_;
  bool wantSmallest_ = false;
  enum class Kind { Sharpness, TopK, LambdaMin, Radius, Residual, Hvps };
  std::vector<std::size_t> columns_;
  std::vector<Kind> kinds_;
  std::vector<double> previous_;        // the last Ritz vector(s); row 0 starts the next solve
  LanczosWorkspace workspace_;          // one set of Lanczos buffers for the run's recordings
  std::unique_ptr<HessianOperator> H_;  // and one operator
  std::vector<double> top_;
  double smallest_ = 0.0, residual_ = 0.0;
  std::size_t hvps_ = 0;
  std::uint64_t recordings_ = 0;
};

// The reference code's 20-step power iteration (a spectral-radius estimate), for parity.
class PowerProbe final : public Probe {
 public:
  explicit PowerProbe(const SharpnessOptions& o) : o_(o) {}
  void declare(Trace& trace) override { column_ = trace.declare("sharpnessPower"); }
  void record(ProbeContext& c, Trace& trace) override {
    // One operator and one workspace for the whole run: the parity schedule records every few steps.
    if (!H_ || &H_->evaluator() != &c.evaluator) H_ = std::make_unique<HessianOperator>(c.evaluator);
    double estimate = std::numeric_limits<double>::quiet_NaN();
    try {
      estimate = powerIteration(*H_, o_.powerIterations, o_.seed, 1000000 + recordings_, work_, c.cancel).estimate;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Value || e.field() != "weights") throw;  // an overflowing product: NaN
    }
    ++recordings_;
    trace.push(column_, estimate);
  }

 private:
  std::unique_ptr<HessianOperator> H_;
  PowerWorkspace work_;
  SharpnessOptions o_;
  std::size_t column_ = 0;
  std::uint64_t recordings_ = 0;
};

const RegressionLoss& regressionOf(const Problem& p, const std::string& name) {
  if (p.loss().kind() != LossKind::Regression) {
    fail(ErrorCode::Value, "record", "'" + name + "' applies to univariate regression only");
  }
  return static_cast<const RegressionLoss&>(p.loss());
}

}  // namespace

std::vector<std::string> knownQuantities() {
  return {"loss", "testLoss", "excessLoss", "distance", "distanceMean", "gradNorm", "singularValues", "rank",
          "nuclearNorm", "schatten2OverL", "rankOneGap", "layerNorms", "singularSpread", "alignment", "balancedness",
          "balancednessDrift", "residualNorms", "lemma2Epsilon", "sharpness", "sharpnessTopK", "lambdaMin",
          "spectralRadius", "sharpnessResidual", "sharpnessHvps", "sharpnessPower",
          // optimizers/quantities.hpp
          "stabilityEdge", "preconditionedSharpness", "batchSharpness", "momentumNorm", "secondMomentNorm",
          // The edge-of-stability quantities (edge_probes.hpp).
          "sharpnessGradientNorm", "gfsSharpness", "layerImbalance", "weightNorm",
          // The orbit after the point and its Lyapunov exponent (orbit.hpp).
          "orbitLoss", "orbitSharpness", "orbitAlignment", "lyapunov"};
}

std::unique_ptr<Probe> makeProbe(const std::string& name, const Problem& problem, const ProbeOptions& options) {
  if (auto p = makeOptimizerProbe(name, problem, options)) return p;
  if (name == "loss") return scalar(name, [](ProbeContext& c) { return c.loss; });
  if (name == "testLoss") {
    if (!problem.loss().hasTestSet()) fail(ErrorCode::Value, "record", "'testLoss' needs a test set");
    return scalar(name, [](ProbeContext& c) { return c.problem.loss().testValue(c.evaluator.endToEnd()); });
  }
  if (name == "excessLoss") {
    if (std::isnan(problem.lossMinimum())) {
      fail(ErrorCode::Value, "record",
           "'excessLoss' needs a known minimum (no L2 penalty; for completion, no bottleneck)");
    }
    return scalar(name, [](ProbeContext& c) { return c.evaluator.dataLoss() - c.problem.lossMinimum(); });
  }
  if (name == "distance" || name == "distanceMean") {
    const RegressionLoss& reg = regressionOf(problem, name);
    const double scale = name == "distance" ? 1.0 : 1.0 / static_cast<double>(problem.spec().inputDim());
    return scalar(name, [&reg, scale](ProbeContext& c) { return scale * reg.squaredDistance(c.evaluator.endToEnd()); });
  }
  if (name == "gradNorm") return scalar(name, [](ProbeContext& c) { return std::sqrt(c.evaluator.gradNormSquared()); });
  if (name == "singularValues")
    return std::make_unique<SpectrumProbe>(SpectrumProbe::What::Values, problem, options.rankTolerance);
  if (name == "rank") return std::make_unique<SpectrumProbe>(SpectrumProbe::What::Rank, problem, options.rankTolerance);
  if (name == "nuclearNorm")
    return std::make_unique<SpectrumProbe>(SpectrumProbe::What::Nuclear, problem, options.rankTolerance);
  if (name == "schatten2OverL")
    return std::make_unique<SpectrumProbe>(SpectrumProbe::What::Schatten, problem, options.rankTolerance);
  if (isSpectral(name))
    return std::make_unique<SpectralProbe>(std::vector<std::string>{name}, problem, options.sharpness);
  if (name == "sharpnessPower") return std::make_unique<PowerProbe>(options.sharpness);
  const std::size_t L = problem.spec().depth();
  if (name == "rankOneGap") return std::make_unique<LayerProbe>(LayerProbe::What::RankOneGap, L);
  if (name == "layerNorms") return std::make_unique<LayerProbe>(LayerProbe::What::LayerNorms, L);
  if (name == "singularSpread") return std::make_unique<LayerProbe>(LayerProbe::What::Spread, L);
  if (name == "alignment") return std::make_unique<LayerProbe>(LayerProbe::What::Alignment, L);
  if (name == "balancedness") return std::make_unique<LayerProbe>(LayerProbe::What::Balancedness, L);
  if (name == "balancednessDrift") return std::make_unique<BalancednessProbe>();
  if (auto edge = makeEdgeProbe(name, problem, options)) return edge;
  if (isOrbitQuantity(name)) return makeOrbitProbe({name}, problem, options);
  if (name == "lemma2Epsilon") {
    return scalar(name, [](ProbeContext& c) { return diagnostics::lemma2Epsilon(c.problem.spec(), c.theta0); });
  }
  if (name == "residualNorms") {
    // ||theta_l||_F = L ||W_l - W_l(0)||_F in the residual parameterization W_l = W_l(0) + theta_l / L.
    class ResidualProbe final : public Probe {
     public:
      void declare(Trace& trace) override { column_ = trace.declare("residualNorms", depth_); }
      void record(ProbeContext& c, Trace& trace) override {
        auto d = diagnostics::distancesFromInit(c.problem.spec(), c.theta, c.theta0);
        for (double& v : d) v *= static_cast<double>(depth_);
        trace.push(column_, d.data(), d.size());
      }
      explicit ResidualProbe(std::size_t depth) : depth_(depth) {}

     private:
      std::size_t depth_, column_ = 0;
    };
    return std::make_unique<ResidualProbe>(L);
  }
  std::string known;
  for (const auto& q : knownQuantities()) known += (known.empty() ? "" : ", ") + q;
  fail(ErrorCode::Value, "record", "unknown quantity '" + name + "' (known: " + known + ")");
}

std::vector<std::string> defaultQuantities(const Problem& problem) {
  std::vector<std::string> q{"loss", "gradNorm"};
  if (problem.loss().hasTestSet()) q.push_back("testLoss");
  if (problem.univariate()) {
    q.push_back("distance");
  } else {
    q.push_back("singularValues");
  }
  return q;
}

std::vector<std::unique_ptr<Probe>> makeProbes(const std::vector<std::string>& names, const Problem& problem,
                                               const ProbeOptions& options) {
  std::vector<std::unique_ptr<Probe>> probes;
  std::vector<std::string> seen;
  bool spectralMade = false, orbitMade = false;
  for (const auto& name : names) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    if (isOrbitQuantity(name)) {
      // One window per recording serves every orbit column (orbit.hpp), placed where the first is.
      if (!orbitMade) probes.push_back(makeOrbitProbe(names, problem, options));
      orbitMade = true;
    } else if (!isSpectralQuantity(name)) {
      probes.push_back(makeProbe(name, problem, options));
    } else if (!spectralMade) {
      // One eigensolve per recording serves every spectral column, placed where the first is.
      probes.push_back(makeSpectralProbe(names, problem, options));
      spectralMade = true;
    }
  }
  return probes;
}

bool isSpectralQuantity(const std::string& name) { return isSpectral(name); }

std::unique_ptr<Probe> makeSpectralProbe(const std::vector<std::string>& names, const Problem& problem,
                                         const ProbeOptions& options) {
  std::vector<std::string> spectral;
  for (const auto& name : names) {
    if (isSpectralQuantity(name) && std::find(spectral.begin(), spectral.end(), name) == spectral.end())
      spectral.push_back(name);
  }
  if (spectral.empty()) fail(ErrorCode::Internal, "record", "no spectral quantity");
  return std::make_unique<SpectralProbe>(std::move(spectral), problem, options.sharpness);
}

}  // namespace dln
