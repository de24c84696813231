#include "central_flow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "central_flow_sigma.hpp"
#include "diagnostics.hpp"
#include "driver.hpp"
#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "sharpness_gradient.hpp"
#include "spectrum.hpp"
#include "third_derivative.hpp"

namespace dln {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kMaxTransitions = 100000;

// The central flow's own columns.
const std::vector<std::string> kExtras{"predictedLoss", "edgeCount", "kktResidual", "stepSize"};

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Solves the n x n system A x = b (n <= 10) by Gaussian elimination with partial pivoting; false
// when A is singular to rounding.
bool solveSmall(std::size_t n, std::vector<double> A, std::vector<double>& b) {
  double scale = 0.0;
  for (double v : A) scale = std::max(scale, std::fabs(v));
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::fabs(A[r * n + c]) > std::fabs(A[p * n + c])) p = r;
    if (!(std::fabs(A[p * n + c]) > 1e-14 * scale)) return false;
    if (p != c) {
      for (std::size_t j = 0; j < n; ++j) std::swap(A[p * n + j], A[c * n + j]);
      std::swap(b[p], b[c]);
    }
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = A[r * n + c] / A[c * n + c];
      for (std::size_t j = c; j < n; ++j) A[r * n + j] -= f * A[c * n + j];
      b[r] -= f * b[c];
    }
  }
  for (std::size_t c = n; c-- > 0;) {
    double s = b[c];
    for (std::size_t j = c + 1; j < n; ++j) s -= A[c * n + j] * b[j];
    b[c] = s / A[c * n + c];
  }
  return true;
}

// What one evaluation at a point says about the edge.
struct EdgeInfo {
  double loss = 0.0;
  std::vector<double> lambda;  // the top eigenvalues computed (k + 1 on the edge, 1 off it)
  double predictedLoss = 0.0;  // R + 1/2 <S, diag(lambda)>
  double leave = kInf;         // lambda_min(S_free) (k >= 1)
  double kkt = 0.0;            // the complementarity solver's relative residual
};

// y' = the central flow with k eigenvalues at the edge (k = 0: gradient flow, through
// GradientFlowSystem so that the steps are bitwise gradientFlow's).
class CentralFlowSystem final : public OdeSystem {
 public:
  CentralFlowSystem(const Problem& problem, const CentralFlowOptions& o, CancelFlag cancel, CentralFlowResult& stats)
      : o_(o), cancel_(cancel), stats_(stats), gf_(problem), P_(problem.spec().paramCount()),
        edge_(2.0 / o.learningRate), grad_(P_) {}
  std::size_t dimension() const override { return P_; }
  void setEdge(std::size_t k) { k_ = k; }
  std::size_t edge() const { return k_; }
  double edgeValue() const { return edge_; }

  void rhs(const double* y, double* f) override {
    gf_.rhs(y, f);
    info_.loss = gf_.loss();
    if (k_ == 0) return;
    for (std::size_t i = 0; i < P_; ++i) {
      if (!std::isfinite(f[i])) return;  // DOPRI5 rejects the trial step and shrinks it
    }
    try {
      edgeVelocity(f);
      remember(y);
    } catch (const Error& e) {
      // A trial stage of a too-large step can reach a point whose Hessian-vector products
      // overflow: like a non-finite gradient, the integrator rejects it and shrinks the step
      // (before, the whole run, and an experiment with it, stopped on ERR_DLN_VALUE "weights").
      if (e.code() != ErrorCode::Value || e.field() != "weights") throw;
      std::fill(f, f + P_, std::numeric_limits<double>::quiet_NaN());
    }
  }

  // Evaluates at y (loss, gradient, the top eigenvalues; on the edge the velocity) and returns
  // what it found; the evaluator then holds y with its gradient complete.
  const EdgeInfo& analyze(const double* y) {
    if (k_ == 0) {
      gf_.evaluateAt(y);
      info_.loss = gf_.loss();
      top(1);
      info_.predictedLoss = info_.loss;
      info_.leave = kInf;
      info_.kkt = 0.0;
    } else if (cached(y)) {
      // The last right-hand side on the edge was at y (DOPRI5's last stage is the accepted point,
      // FSAL): its eigenpairs, contractions and Sigma solve are reused; only the evaluator is
      // moved back to y (one gradient) for the probes that read it.
      gf_.evaluateAt(y);
      info_ = cache_;
      ++stats_.cachedEvaluations;
    } else {
      scratch_.resize(P_);
      gf_.rhs(y, scratch_.data());
      info_.loss = gf_.loss();
      edgeVelocity(scratch_.data());
      remember(y);
    }
    return info_;
  }
  // The top `count` eigenvalues at the evaluator's point (for the initial edge count).
  std::vector<double> topAt(const double* y, std::size_t count) {
    gf_.evaluateAt(y);
    top(count);
    return info_.lambda;
  }

  Evaluator& evaluator() { return gf_.evaluator(); }
  std::uint64_t evaluations() const { return gf_.evaluations(); }
  double loss() const { return gf_.loss(); }

 private:
  // The top `count` eigenpairs at the evaluator's point, Lanczos warm-started from the last top vector.
  void top(std::size_t count) {
    SharpnessOptions s;
    s.k = std::min(count, P_);
    s.tol = o_.eigenTolerance;
    s.seed = o_.flow.probeOptions.sharpness.seed;
    s.maxIterations = o_.flow.probeOptions.sharpness.maxIterations;
    SpectrumRequest request;
    request.vectors = true;
    request.start = previous_.empty() ? nullptr : previous_.data();
    request.stream = solves_++;
    request.cancel = cancel_;
    Spectrum sp = hessianSpectrum(gf_.evaluator(), s, request);
    stats_.lanczosProducts += sp.products;
    if (!sp.converged) {
      fail(ErrorCode::Value, "eigenTolerance",
           "Lanczos did not reach the relative residual " + formatNumber(o_.eigenTolerance) + " for the top " +
               std::to_string(s.k) + " eigenpairs (at a point of loss " + formatNumber(gf_.loss()) +
               "); raise eigenTolerance or sharpness.maxIterations");
    }
    info_.lambda = sp.values;
    vectors_ = std::move(sp.vectors);
    previous_.assign(vectors_.begin(), vectors_.begin() + static_cast<long>(P_));
  }

  // f holds -grad R at the evaluator's point; replaces it by the central flow's velocity.
  void edgeVelocity(double* f) {
    const std::size_t k = k_;
    top(k + 1);
    for (std::size_t i = 0; i < P_; ++i) grad_[i] = -f[i];
    const std::size_t n = svecSize(k);
    T_.assign(n * P_, 0.0);
    ThirdDerivative D3(gf_.evaluator());
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = i; j < k; ++j) {
        cancel_.check();
        double* out = T_.data() + pairIndex(k, i, j) * P_;
        if (i == j) D3.applySymmetric(vectors_.data() + i * P_, out);
        else D3.apply(vectors_.data() + i * P_, vectors_.data() + j * P_, out);
      }
    }
    stats_.contractions += n;
    std::vector<double> D(k * k, 0.0);
    for (std::size_t i = 0; i < k; ++i) D[i * k + i] = o_.edgeRelaxation * (edge_ - info_.lambda[i]) / o_.learningRate;
    CentralFlowSigma cf = centralFlowSigma(P_, k, grad_.data(), T_.data(), D.data(), info_.lambda.data());
    if (cf.sdcp.status == SdcpResult::Status::Unbounded) {
      fail(ErrorCode::Value, "learningRate",
           "the edge 2/eta cannot be held here: the third derivatives along the edge eigenvectors do not see a "
           "direction "
           "that lowers their curvature (the complementarity problem is unbounded)");
    }
    std::copy(cf.velocity.begin(), cf.velocity.end(), f);
    info_.predictedLoss = info_.loss + cf.predictedLossTerm;
    info_.kkt = cf.sdcp.residual;
    // The checks the result reports (over every evaluation on the edge).
    const double normS = std::sqrt(kernels::dot(k * k, cf.sdcp.S.data(), cf.sdcp.S.data()));
    const double normY = std::sqrt(kernels::dot(k * k, cf.sdcp.Y.data(), cf.sdcp.Y.data()));
    ++stats_.edgeEvaluations;
    stats_.maxKktResidual = std::max(stats_.maxKktResidual, cf.sdcp.residual);
    if (normS > 0) {
      std::vector<double> sv(k);
      linalg::symmetricEigen(k, cf.sdcp.S.data(), sv.data());
      stats_.minSigmaEigen = std::min(stats_.minSigmaEigen, sv[0] / normS);
    }
    // alpha = a + D, for the complementarity scale and S_free.
    std::vector<double> Bs(n * n), alpha(n);
    auto scale = [&](std::size_t p) {
      std::size_t q = 0;
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i; j < k; ++j, ++q)
          if (q == p) return i == j ? 1.0 : std::sqrt(2.0);
      return 1.0;
    };
    std::vector<double> aMat(k * k);
    {
      std::vector<double> a(n);
      for (std::size_t p = 0; p < n; ++p) a[p] = scale(p) * kernels::dot(P_, T_.data() + p * P_, grad_.data());
      smat(k, a.data(), aMat.data());
      for (std::size_t i = 0; i < k * k; ++i) aMat[i] += D[i];
      svec(k, aMat.data(), alpha.data());
    }
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = 0; q < n; ++q)
        Bs[p * n + q] = 0.5 * scale(p) * scale(q) * kernels::dot(P_, T_.data() + p * P_, T_.data() + q * P_);
    const double normAlpha = std::sqrt(kernels::dot(n, alpha.data(), alpha.data()));
    if (normS > 0) {
      stats_.maxComplementarity = std::max(stats_.maxComplementarity,
                                           std::fabs(cf.sdcp.complementarity) / (normS * std::max(normY, normAlpha)));
    }
    std::vector<double> x(n);
    for (std::size_t p = 0; p < n; ++p) x[p] = -alpha[p];
    if (solveSmall(n, Bs, x)) {
      std::vector<double> Sfree(k * k), values(k);
      smat(k, x.data(), Sfree.data());
      linalg::symmetricEigen(k, Sfree.data(), values.data());
      info_.leave = values[0];
    } else {
      info_.leave = -kInf;  // B singular: nothing holds the edge (the solve above reported it unless alpha >= 0)
    }
  }

  // The last point where the edge velocity was computed, with its edge count and what it found.
  void remember(const double* y) {
    cacheY_.assign(y, y + P_);
    cacheK_ = k_;
    cache_ = info_;
  }
  bool cached(const double* y) const {
    return cacheK_ == k_ && cacheY_.size() == P_ && std::equal(cacheY_.begin(), cacheY_.end(), y);
  }

  const CentralFlowOptions& o_;
  CancelFlag cancel_;
  std::vector<double> cacheY_;
  std::size_t cacheK_ = 0;
  EdgeInfo cache_;
  CentralFlowResult& stats_;
  GradientFlowSystem gf_;
  std::size_t P_;
  double edge_;
  std::size_t k_ = 0;
  EdgeInfo info_;
  std::vector<double> grad_, T_, vectors_, previous_, scratch_;
  std::uint64_t solves_ = 0;
};

}  // namespace

void validate(const CentralFlowOptions& o, const Problem& problem) {
  if (!(o.learningRate > 0) || !std::isfinite(o.learningRate))
    fail(ErrorCode::Value, "learningRate", "must be a finite number > 0 (the edge is 2 / learningRate)");
  if (!(o.edgeRelaxation > 0) || !std::isfinite(o.edgeRelaxation))
    fail(ErrorCode::Value, "edgeRelaxation", "must be a finite number > 0");
  if (o.maxEdge < 1 || o.maxEdge > 4) fail(ErrorCode::Value, "maxEdge", "must be an integer in [1, 4]");
  if (!(o.eigenTolerance > 0) || !(o.eigenTolerance < 1e-3))
    fail(ErrorCode::Value, "eigenTolerance", "must be a number in (0, 1e-3)");
  FlowOptions f = o.flow;
  f.record.clear();
  validate(f, problem);
  RunRecorder::check(problem, o.flow.record, o.flow.probeOptions, kExtras);
}

CentralFlowResult centralFlow(const Problem& problem, const std::vector<double>& theta0,
                              const CentralFlowOptions& options, RunControl& control) {
  validate(options, problem);
  const FlowOptions& fo = options.flow;
  const std::size_t P = problem.spec().paramCount();
  if (theta0.size() != P) {
    fail(ErrorCode::Shape, "weights",
         "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta0.size()));
  }
  CentralFlowResult result;
  result.minSigmaEigen = kInf;
  result.memory.grow(doubleBytes(P, "weights"), "weights");
  MemoryReservation working(doubleBytes(8 * P, "weights"), "weights");
  RunPulse pulse(control);
  const CancelFlag cancel = pulse.flag();
  CentralFlowSystem system(problem, options, cancel, result);
  Evaluator& evaluator = system.evaluator();
  std::vector<std::string> names = fo.record;
  if (names.empty()) {
    names = defaultQuantities(problem);
    for (const char* q : {"predictedLoss", "sharpness", "edgeCount"}) names.push_back(q);
  }
  RunRecorder recorder(problem, names, fo.probeOptions, result.trace, cancel, kExtras);
  // Event 0: the next eigenvalue reaches the edge; 1: one leaves it; then the caller's.
  std::vector<QuantityEvent> events;
  std::vector<EventSpec> specs{{+1, true}, {-1, true}};
  events.reserve(fo.events.size());
  for (const auto& e : fo.events) {
    events.emplace_back(e, problem, fo.probeOptions);
    specs.push_back({events.back().direction(), e.terminal});
  }
  const std::size_t nEvents = specs.size();
  std::vector<std::vector<double>> reference;
  for (std::size_t l = 0; l + 1 < problem.spec().depth(); ++l)
    reference.push_back(diagnostics::balancedness(problem.spec(), theta0.data(), l));
  const double* theta0Ptr = theta0.data();
  const double edge = system.edgeValue();

  auto stop = [&](RunStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
  };
  // The "leave" event's function. On the edge: lambda_min(S_free), which falls through 0 when the
  // complementarity problem stops holding the eigenvalue. A piece that starts with an inactive
  // constraint above the edge (a start above 2/eta where gradient flow lowers the eigenvalue by
  // itself: S_free < 0 from the start, so its root is never crossed) holds the eigenvalue in the
  // set while it is above 2/eta or its constraint is active: max(lambda_min(S_free), lambda_k - 2/eta)
  // (a sign function; its root is the first time both are below 0). Without it such a run kept
  // edgeCount = 1 with Sigma = 0 long after the eigenvalue fell below 2/eta.
  bool startsAbove = false;
  auto leaveValue = [&](const EdgeInfo& info) {
    const std::size_t k = system.edge();
    if (!startsAbove || k == 0 || info.lambda.size() < k) return info.leave;
    return std::max(info.leave, info.lambda[k - 1] - edge);
  };
  // The internal events' values at the point just analyzed, then the caller's.
  auto values = [&](const EdgeInfo& info, std::uint64_t step, double t, const double* y, std::vector<double>& g) {
    const std::size_t k = system.edge();
    g.assign(nEvents, 0.0);
    g[0] = (k < info.lambda.size() ? info.lambda[k] : -kInf) - edge;
    if (k >= options.maxEdge && g[0] < 0) g[0] = -kInf;  // nothing more can enter; reaching it is checked below
    g[1] = k > 0 ? leaveValue(info) : kInf;
    ProbeContext c{problem, evaluator, y, theta0Ptr, step, t, info.loss, cancel};
    for (std::size_t i = 0; i < events.size(); ++i) g[2 + i] = events[i](c);
  };

  std::vector<double> start = theta0, point(P), scratch, gOld, gNew;
  double tStart = 0.0;
  std::uint64_t stepsBefore = 0, nfevBefore = 0, rejectedBefore = 0;
  bool done = false, diverged = false;
  double finalTime = 0.0;
  std::uint64_t finalStep = 0;
  double finalStepSize = std::numeric_limits<double>::quiet_NaN();
  double lastFull = 0.0;
  std::size_t nextTime = 0;
  while (nextTime < fo.times.size() && fo.times[nextTime] <= 0) ++nextTime;
  DivergenceGuard guard(fo.lossCeiling);

  try {
    // The initial edge count: the eigenvalues already at or above 2/eta.
    {
      const std::vector<double> lambda = system.topAt(start.data(), options.maxEdge + 1);
      std::size_t k = 0;
      while (k < lambda.size() && lambda[k] >= edge) ++k;
      if (k > options.maxEdge) {
        stop(RunStatus::Failed,
             "more than maxEdge = " + std::to_string(options.maxEdge) + " eigenvalues are at or above 2/eta at t = 0");
        done = true;
      }
      system.setEdge(std::min(k, options.maxEdge));
    }
    const EdgeInfo& info0 = system.analyze(start.data());
    startsAbove = system.edge() > 0 && info0.leave < 0 && info0.lambda[system.edge() - 1] > edge;
    guard.start(info0.loss);
    if (!done && guard.diverged(info0.loss)) {
      diverged = done = true;
      stop(RunStatus::Diverged,
           std::string(std::isfinite(info0.loss) ? "loss above the ceiling" : "non-finite loss") + " at t = 0");
    }
    if (!done) {
      recorder.row(ProbeContext(problem, evaluator, start.data(), theta0Ptr, 0, 0.0, info0.loss, cancel),
                   {info0.predictedLoss, static_cast<double>(system.edge()), info0.kkt, finalStepSize});
      values(info0, 0, 0.0, start.data(), gOld);
      for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].holds(gOld[2 + i])) {
          result.events.push_back({i, 0.0, 0});
          if (gOld[2 + i] == 0) gOld[2 + i] = specs[2 + i].direction > 0 ? 1e-300 : -1e-300;
          if (fo.events[i].terminal && !done) {
            done = true;
            stop(RunStatus::Converged, "A termination event occurred: " + fo.events[i].name + " " +
                                           formatNumber(fo.events[i].threshold) + " already holds at t = 0.");
          }
        }
      }
    }

    // One smooth piece per iteration: a fresh DOPRI5 from (tStart, start) with the current edge count.
    std::unique_ptr<Dopri5> solver;
    while (!done) {
      solver = std::make_unique<Dopri5>(system, start.data(), tStart, fo.tEnd, fo.integrator);
      bool switched = false;
      while (!done && !switched) {
        if (pulse.cancelled()) {
          stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(solver->t()));
          done = true;
          break;
        }
        if (stepsBefore + solver->accepted() >= fo.maxSteps) {
          stop(RunStatus::Completed,
               "step budget used (maxSteps = " + std::to_string(fo.maxSteps) + ") at t = " + formatNumber(solver->t()));
          done = true;
          break;
        }
        const Dopri5::Status status = solver->step();
        if (status == Dopri5::Status::Failed) {
          if (std::isfinite(solver->lastErrorNorm())) {
            stop(RunStatus::Failed,
                 solver->message() + " (step size too small at t = " + formatNumber(solver->t()) + ")");
          } else {
            stop(RunStatus::Diverged, "every step from t = " + formatNumber(solver->t()) +
                                          " produced non-finite values, down to the smallest step size");
            diverged = true;
          }
          done = true;
          break;
        }
        const std::uint64_t n = stepsBefore + solver->accepted();
        const double h = solver->stepSize();
        const SplitTime tOld = solver->timeOld();
        lastFull = solver->lastFullStepSize();
        const EdgeInfo infoNew = system.analyze(solver->y());
        if (guard.diverged(infoNew.loss)) {
          diverged = done = true;
          stop(RunStatus::Diverged,
               std::string(std::isfinite(infoNew.loss) ? "loss above the ceiling" : "non-finite loss") +
                   " at t = " + formatNumber(solver->t()));
          break;
        }
        for (std::size_t i = 0; i < system.edge(); ++i) {
          result.maxEdgeDeviation = std::max(result.maxEdgeDeviation, std::fabs(infoNew.lambda[i] - edge) / edge);
        }
        values(infoNew, n, solver->t(), solver->y(), gNew);
        std::vector<EventHit> hits =
            locateEvents(*solver, specs, gOld, gNew, scratch, [&](std::size_t e, double s, const double* y) {
              const EdgeInfo& info = system.analyze(y);
              if (e == 0) return (system.edge() < info.lambda.size() ? info.lambda[system.edge()] : -kInf) - edge;
              if (e == 1) return leaveValue(info);
              ProbeContext c{problem, evaluator, y, theta0Ptr, n, tOld.plus(s), info.loss, cancel};
              return events[e - 2](c);
            });
        std::swap(gOld, gNew);
        const bool cutting = !hits.empty() && specs[hits.back().event].terminal;
        const double cut = cutting ? hits.back().offset : h;
        auto stateAt = [&](double s) -> const double* {
          if (s >= h) return solver->y();
          solver->dense(std::max(s, 0.0), point.data());
          return point.data();
        };
        while (nextTime < fo.times.size() && tOld.until(fo.times[nextTime]) <= cut) {
          const double* y = stateAt(tOld.until(fo.times[nextTime]));
          const EdgeInfo& info = system.analyze(y);
          recorder.row(ProbeContext(problem, evaluator, y, theta0Ptr, n, fo.times[nextTime], info.loss, cancel),
                       {info.predictedLoss, static_cast<double>(system.edge()), info.kkt, h});
          ++nextTime;
        }
        for (const auto& hit : hits) {
          if (hit.event >= 2) result.events.push_back({hit.event - 2, tOld.plus(hit.offset), n});
        }
        if (cutting) {
          const std::size_t e = hits.back().event;
          const double tCut = tOld.plus(cut);
          const double* y = stateAt(cut);
          if (e >= 2) {
            const auto& spec = fo.events[e - 2];
            finalTime = tCut;
            start.assign(y, y + P);
            finalStep = n;
            finalStepSize = h;
            stop(RunStatus::Converged, "A termination event occurred: " + spec.name + " " +
                                           formatNumber(spec.threshold) + " at t = " + formatNumber(tCut) + ".");
            done = true;
            break;
          }
          const std::size_t k = system.edge();
          if (e == 0 && k >= options.maxEdge) {
            start.assign(y, y + P);
            finalTime = tCut;
            finalStep = n;
            finalStepSize = h;
            stop(RunStatus::Failed,
                 "eigenvalue " + std::to_string(k + 1) + " reached 2/eta at t = " + formatNumber(tCut) +
                     ": more than maxEdge = " + std::to_string(options.maxEdge) + " eigenvalues at the edge");
            done = true;
            break;
          }
          if (result.transitions.size() >= kMaxTransitions) {
            stop(RunStatus::Failed, "more than " + std::to_string(kMaxTransitions) +
                                        " edge transitions (chattering) by t = " + formatNumber(tCut));
            done = true;
            break;
          }
          const std::size_t to = e == 0 ? k + 1 : k - 1;
          result.transitions.push_back({tCut, k, to});
          start.assign(y, y + P);
          tStart = tCut;
          system.setEdge(to);
          stepsBefore = n;
          nfevBefore += solver->nfev();
          rejectedBefore += solver->rejected();
          const EdgeInfo& info = system.analyze(start.data());
          startsAbove = to > 0 && info.leave < 0 && info.lambda[to - 1] > edge;
          values(info, n, tStart, start.data(), gOld);
          // The event that caused the switch has just been crossed: it cannot fire again at once.
          switched = true;
          pulse.beat(n, info.loss, tStart);
          break;
        }
        if (fo.recordEvery > 0 && n % fo.recordEvery == 0) {
          const EdgeInfo& info = system.analyze(solver->y());
          recorder.row(ProbeContext(problem, evaluator, solver->y(), theta0Ptr, n, solver->t(), info.loss, cancel),
                       {info.predictedLoss, static_cast<double>(system.edge()), info.kkt, h});
        }
        if (status == Dopri5::Status::Finished) {
          stop(RunStatus::Completed, solver->message());
          done = true;
          break;
        }
        pulse.beat(n, infoNew.loss, solver->t());
      }
    }
    if (solver && result.status != RunStatus::Converged && !(result.status == RunStatus::Failed && finalStep > 0)) {
      start.assign(solver->y(), solver->y() + P);
      finalTime = solver->t();
      finalStep = stepsBefore + solver->accepted();
      if (solver->accepted() > 0) finalStepSize = solver->stepSize();
    }
    if (solver) {
      nfevBefore += solver->nfev();
      rejectedBefore += solver->rejected();
      stepsBefore += solver->accepted();
    }
  } catch (const Error& e) {
    if (!RunPulse::isCancellation(e)) {
      if (e.code() != ErrorCode::Value || (e.field() != "learningRate" && e.field() != "eigenTolerance")) throw;
      stop(RunStatus::Failed, e.detail());
    } else {
      stop(RunStatus::Cancelled, "cancelled");
    }
  }
  result.time = finalTime;
  result.weights = start;
  result.edgeCount = system.edge();
  if (!diverged) {
    try {
      const EdgeInfo& info = system.analyze(start.data());
      result.finalLoss = info.loss;
      result.finalGradNorm = std::sqrt(evaluator.gradNormSquared());
      if (!recorder.lastRowIs(finalStep, finalTime)) {
        recorder.row(ProbeContext(problem, evaluator, start.data(), theta0Ptr, finalStep, finalTime, info.loss, cancel),
                     {info.predictedLoss, static_cast<double>(system.edge()), info.kkt, finalStepSize});
      }
    } catch (const Error& e) {
      if (RunPulse::isCancellation(e)) {
        if (result.status != RunStatus::Cancelled)
          stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(finalTime));
      } else if (e.code() == ErrorCode::Value && (e.field() == "learningRate" || e.field() == "eigenTolerance")) {
        if (result.status != RunStatus::Failed) stop(RunStatus::Failed, e.detail());
      } else {
        throw;
      }
    }
  }
  if (std::isinf(result.minSigmaEigen)) result.minSigmaEigen = std::numeric_limits<double>::quiet_NaN();
  result.nfev = nfevBefore;
  result.accepted = stepsBefore;
  result.rejected = rejectedBefore;
  result.extraEvaluations = system.evaluations() - nfevBefore;
  result.lastStepSize = lastFull;
  result.balancednessDrift = diagnostics::balancednessDrift(problem.spec(), result.weights.data(), reference);
  pulse.finish(result.accepted, result.finalLoss, result.time);
  result.memory.absorb(recorder.takeReservation());
  return result;
}

}  // namespace dln
