// Gradient flow d(theta)/dt = -grad R(theta), the eta -> 0 limit of gradient descent the papers'
// theorems are about, integrated by one of three methods (FlowMethod): DOPRI5 (dopri5.hpp), the
// exponential Rosenbrock method exprb43 on exact Hessian-vector products (exprb.hpp), or `auto`,
// which switches between them on a stiffness test (stiff_auto.hpp; docs/stiff-integration.md §9-§10).
// One loop drives all three (flow.cpp): every method has the same rtol/atol semantics, split
// time, dense output and events on it. It records through the same probes as
// gradient descent (at requested times by dense output, and every k accepted steps), stops on
// events located on the dense output (any scalar recordable quantity crossing a threshold: loss,
// excess loss, gradient norm, ...), treats divergence as a result, and reports the balancedness
// drift max_k ||D_k(T) - D_k(0)||_F, which Lemma 1 says is 0 for the exact flow.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "control.hpp"
#include "dopri5.hpp"
#include "evaluator.hpp"
#include "events.hpp"
#include "memory.hpp"
#include "probes.hpp"
#include "problem.hpp"
#include "run_status.hpp"
#include "trace.hpp"

namespace dln {

// rk45: explicit, stability-bound (h <~ 3.3 / S) where the flow is stiff; exprb43: no stability
// limit, steps bounded by how fast H changes; auto: RK45 while the flow is not stiff, exprb43 while
// it is (docs/stiff-integration.md §8-§9).
enum class FlowMethod { Rk45, Exprb43, Auto };

struct FlowOptions {
  FlowOptions() {
    // Tighter than scipy's defaults (1e-3, 1e-6): at rtol 1e-3 the balancedness drift is ~1e-4
    // of ||W||^2 and the flow's end point visibly depends on the tolerance (docs/algorithms.md §3.10).
    integrator.rtol = 1e-6;
    integrator.atol = 1e-9;
  }
  double tEnd = 0.0;         // > 0; may be +infinity (then a terminal event or maxSteps ends the run)
  Dopri5Options integrator;  // rtol, atol, firstStep, maxStep for every method; controller: RK45's phases
  FlowMethod method = FlowMethod::Auto;
  // exprb43 (alone or inside auto): the Krylov tolerance and basis cap (stiff_stepper.hpp, StiffOptions).
  double krylovTolerance = 0.01;
  std::size_t maxKrylov = 120;
  std::uint64_t seed = 0;             // auto's Lanczos start vectors (sharpness estimates)
  std::uint64_t maxSteps = 10000000;  // accepted steps
  std::uint64_t recordEvery = 0;      // record every k accepted steps (0: initial and final only)
  std::vector<double> times;          // also record at these times (strictly increasing, in [0, tEnd])
  // Quantity names (probes.hpp), plus "stepSize" (the step that produced or contains the row).
  std::vector<std::string> record;  // empty = defaultQuantities
  ProbeOptions probeOptions;
  std::vector<FlowEventSpec> events;
  // Divergence: a non-finite loss or one above this ceiling. NaN = 1e12 * max(1, initial loss).
  double lossCeiling = std::numeric_limits<double>::quiet_NaN();
};

struct FlowEventHit {
  std::size_t event;  // index into FlowOptions::events
  double time;
  std::uint64_t step;  // accepted steps completed, counting the one the event lies in
};

struct FlowResult {
  RunStatus status = RunStatus::Completed;
  std::string message;
  double time = 0.0;                     // where the run ended
  std::vector<double> weights;           // the state there (for a diverged run: the point that diverged)
  Trace trace;                           // "step", "time", then the recorded quantities
  FlowMethod method = FlowMethod::Rk45;  // the method that ran
  std::uint64_t nfev = 0;                // right-hand sides in the integrator (RK45: 2 + 6 (accepted + rejected))
  // Stiff methods (0 / NaN for RK45): Hessian-vector products (exprb43's Krylov bases and auto's
  // sharpness estimates), Lanczos iterations, steps cut because a basis reached maxKrylov, auto's
  // sharpness estimates and method switches, the largest Krylov basis, and the last estimate of
  // S = lambda_max(H) used (auto's Lanczos or exprb43's top Ritz value).
  std::uint64_t hvps = 0, krylovIterations = 0, krylovCuts = 0, sharpnessEstimates = 0, switches = 0;
  std::uint64_t maxKrylovBasis = 0;
  double sharpnessEstimate = std::numeric_limits<double>::quiet_NaN();
  bool stiffAtEnd = false;  // auto: the last step was exprb43's
  std::uint64_t accepted = 0, rejected = 0;
  // Loss/gradient evaluations outside the integrator: recording at dense-output times, locating
  // events, the initial and final points.
  std::uint64_t extraEvaluations = 0;
  double lastStepSize = 0.0;  // the last accepted step not shortened to land on tEnd
  double balancednessDrift = 0.0;
  double finalLoss = std::numeric_limits<double>::quiet_NaN();      // NaN when diverged
  double finalGradNorm = std::numeric_limits<double>::quiet_NaN();  // NaN when diverged
  std::vector<FlowEventHit> events;
  MemoryReservation memory;  // the weights and trace held here, counted against the memory limit
};

// y' = -grad R(y): one evaluation (both sweeps) and the dense gradient per right-hand side. The
// evaluator stays at the last evaluated point with its gradient complete, which is what probes
// and Hessian-vector products read.
class GradientFlowSystem final : public OdeSystem {
 public:
  explicit GradientFlowSystem(const Problem& problem);
  std::size_t dimension() const override { return problem_.spec().paramCount(); }
  void rhs(const double* y, double* f) override;
  // Evaluates at y (loss and complete gradient) without forming f; returns the loss.
  double evaluateAt(const double* y);
  Evaluator& evaluator() { return evaluator_; }
  double loss() const { return loss_; }  // at the last evaluated point
  std::uint64_t evaluations() const { return evaluations_; }

 private:
  const Problem& problem_;
  Evaluator evaluator_;
  bool rankOne_;  // univariate without L2: layer gradients are rank-one outer products
  double loss_ = 0.0;
  std::uint64_t evaluations_ = 0;
};

// ERR_DLN_VALUE / ERR_DLN_TYPE naming the field (tEnd, rtol, atol, firstStep, maxStep, maxSteps,
// times, record, events[i]...). Checks quantity names against the problem.
void validate(const FlowOptions& options, const Problem& problem);

// "rk45", "exprb43", "auto".
const char* flowMethodName(FlowMethod method);

FlowResult gradientFlow(const Problem& problem, const std::vector<double>& theta0, const FlowOptions& options,
                        RunControl& control);

}  // namespace dln
