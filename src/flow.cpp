#include "flow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "diagnostics.hpp"
#include "driver.hpp"
#include "error.hpp"
#include "exprb.hpp"
#include "stiff_auto.hpp"
#include "stiff_system.hpp"

namespace dln {

GradientFlowSystem::GradientFlowSystem(const Problem& problem)
    : problem_(problem), evaluator_(problem), rankOne_(problem.univariate() && problem.l2() == 0.0) {}

void GradientFlowSystem::rhs(const double* y, double* f) {
  loss_ = evaluator_.evaluate(y);
  evaluator_.completeGradient();
  const NetworkSpec& spec = problem_.spec();
  if (rankOne_) {
    // Each layer's gradient is the outer product alpha_l beta_l^T: written negated in one pass,
    // bitwise equal to gradient() then negation (rounding is symmetric in the sign) and twice as
    // fast at small widths, where the per-layer clearing and dispatch of gradient() dominate.
    for (std::size_t l = 0; l < spec.depth(); ++l) {
      const double* a = evaluator_.alpha(l);
      const double* b = evaluator_.beta(l);
      const std::size_t rows = spec.rows(l), cols = spec.cols(l);
      double* out = f + spec.offset(l);
      for (std::size_t i = 0; i < rows; ++i) {
        const double ai = -a[i];
        for (std::size_t j = 0; j < cols; ++j) out[i * cols + j] = ai * b[j];
      }
    }
  } else {
    evaluator_.gradient(f);
    const std::size_t n = spec.paramCount();
    for (std::size_t i = 0; i < n; ++i) f[i] = -f[i];
  }
  ++evaluations_;
}

double GradientFlowSystem::evaluateAt(const double* y) {
  loss_ = evaluator_.evaluate(y);
  evaluator_.completeGradient();
  ++evaluations_;
  return loss_;
}

namespace {

// The flow's own column: the step that produced or contains the row.
const std::vector<std::string> kExtras{"stepSize"};

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void validate(const FlowOptions& o, const Problem& problem) {
  if (!(o.tEnd > 0)) fail(ErrorCode::Value, "tEnd", "must be a number > 0 (Infinity allowed)");
  validate(o.integrator);
  if (o.integrator.firstStep > o.tEnd) fail(ErrorCode::Value, "firstStep", "must not exceed tEnd");
  if (o.maxSteps < 1) fail(ErrorCode::Value, "maxSteps", "must be an integer >= 1");
  for (std::size_t i = 0; i < o.times.size(); ++i) {
    const double t = o.times[i];
    if (!std::isfinite(t) || t < 0 || t > o.tEnd) {
      fail(ErrorCode::Value, "times", "entry " + std::to_string(i) + " (" + formatNumber(t) + ") is outside [0, tEnd]");
    }
    if (i > 0 && !(t > o.times[i - 1])) {
      fail(ErrorCode::Value, "times", "must be strictly increasing (entry " + std::to_string(i) + ")");
    }
  }
  if (o.method != FlowMethod::Rk45) {
    if (!(o.krylovTolerance > 0) || !(o.krylovTolerance <= 1))
      fail(ErrorCode::Value, "krylovTolerance", "must be a number in (0, 1]");
    if (o.maxKrylov < 2 || o.maxKrylov > 1000) fail(ErrorCode::Value, "maxKrylov", "must be an integer in [2, 1000]");
  }
  if (o.method == FlowMethod::Exprb43 && o.integrator.controller != StepController::I) {
    fail(ErrorCode::Value, "controller", "is RK45's step control (method 'rk45' or 'auto'); exprb43 has its own");
  }
  DivergenceGuard::validate(o.lossCeiling);
  RunRecorder::check(problem, o.record, o.probeOptions, kExtras);
  for (const auto& e : o.events) {
    if (std::isnan(e.threshold)) fail(ErrorCode::Value, e.field, "must be a number");
    QuantityEvent check(e, problem, o.probeOptions);
  }
}

namespace {

// A point the driver evaluated for probes and events: its loss and the evaluator holding it
// (gradient complete).
struct Evaluated {
  double loss;
  Evaluator* evaluator;
};

// Where the RK45 flow's points are evaluated: one evaluator, which after a step holds the new
// point (the last right-hand side was f(y_new), FSAL). Only the solver's state is tracked; dense-
// output buffers change contents between uses and are always evaluated afresh.
class Rk45Points {
 public:
  explicit Rk45Points(GradientFlowSystem& system) : system_(system) {}
  Evaluated state(const double* y) {
    if (at_ != y || atCount_ != system_.evaluations()) {
      system_.evaluateAt(y);
      at_ = y;
      atCount_ = system_.evaluations();
    }
    return {system_.loss(), &system_.evaluator()};
  }
  void stepped(const double* y) {
    at_ = y;
    atCount_ = system_.evaluations();
  }
  Evaluated dense(const double* y) {
    at_ = nullptr;
    return {system_.evaluateAt(y), &system_.evaluator()};
  }
  std::uint64_t evaluations() const { return system_.evaluations(); }

 private:
  GradientFlowSystem& system_;
  const double* at_ = nullptr;
  std::uint64_t atCount_ = 0;
};

// Where the stiff methods' points are evaluated (docs/stiff-integration.md §10): the accepted
// point is the system's linearization slot (both steppers keep it there after every step), other
// points go to the stage slot, which no stepper uses between steps.
class StiffPoints {
 public:
  explicit StiffPoints(DlnHessianSystem& system) : system_(system) {}
  Evaluated state(const double* y) {
    if (system_.linearizedAt(y)) return {system_.loss(), &system_.evaluator()};
    return dense(y);
  }
  void stepped(const double*) {}
  Evaluated dense(const double* y) { return {system_.evaluateAt(y), &system_.stageEvaluator()}; }
  std::uint64_t evaluations() const { return system_.evaluations(); }

 private:
  DlnHessianSystem& system_;
};

void takeStats(const Dopri5&, FlowResult&) {}
void takeStiffStats(const StiffStats& s, FlowResult& r) {
  r.hvps = s.hvps;
  r.krylovIterations = s.krylovIterations;
  r.krylovCuts = s.krylovCuts;
  r.maxKrylovBasis = s.maxKrylov;
  r.sharpnessEstimate = s.sharpness;
}
void takeStats(const Exprb& solver, FlowResult& r) {
  takeStiffStats(solver.stats(), r);
  r.stiffAtEnd = true;
}
void takeStats(const AutoStepper& solver, FlowResult& r) {
  const StiffStats s = solver.stats();
  takeStiffStats(s, r);
  r.sharpnessEstimates = s.spectralEstimates;
  r.krylovIterations += solver.detectorHvps();  // the estimates' Lanczos iterations, one product each
  r.switches = solver.switches();
  r.stiffAtEnd = solver.stiffMode();
}

// The run's fixed parts, built before the method's solver: recorder, events, Lemma 1's reference.
struct FlowSetup {
  const Problem& problem;
  const std::vector<double>& theta0;
  const FlowOptions& options;
  FlowResult& result;
  RunPulse& pulse;
  RunRecorder& recorder;
  std::vector<QuantityEvent>& events;
  const std::vector<EventSpec>& eventSpecs;
  const std::vector<std::vector<double>>& reference;
};

// The driver's loop, the same for every method. Solver: Dopri5, Exprb or AutoStepper (step(),
// status, split time, dense(), counters; events.hpp's locateEvents runs on its dense output).
template <class Solver, class Points>
void runFlow(FlowSetup& run, Solver& solver, Points& points) {
  using Status = typename Solver::Status;
  const Problem& problem = run.problem;
  const FlowOptions& options = run.options;
  FlowResult& result = run.result;
  RunPulse& pulse = run.pulse;
  RunRecorder& recorder = run.recorder;
  std::vector<QuantityEvent>& events = run.events;
  const std::vector<EventSpec>& eventSpecs = run.eventSpecs;
  const std::size_t P = problem.spec().paramCount();
  const CancelFlag cancel = pulse.flag();
  std::vector<double> point(P);  // dense-output states (rows at requested times, event roots)
  std::vector<double> scratch;
  const double* theta0Ptr = run.theta0.data();

  Evaluated e0 = points.state(solver.y());
  double loss = e0.loss;
  DivergenceGuard guard(options.lossCeiling);
  guard.start(loss);
  auto stop = [&](RunStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
  };
  bool done = false;
  bool diverged = false;
  bool cutByEvent = false;  // the run ends inside the last step, at point
  double finalTime = 0.0;
  std::uint64_t finalStep = 0;
  double finalStepSize = std::numeric_limits<double>::quiet_NaN();

  std::vector<double> gOld(events.size()), gNew(events.size());
  std::size_t nextTime = 0;
  while (nextTime < options.times.size() && options.times[nextTime] <= 0) ++nextTime;  // the t = 0 row has it
  try {
    if (guard.diverged(loss)) {
      diverged = true;
      done = true;
      stop(RunStatus::Diverged,
           std::string(std::isfinite(loss) ? "loss above the ceiling" : "non-finite loss") + " at t = 0");
    } else {
      ProbeContext c{problem, *e0.evaluator, solver.y(), theta0Ptr, 0, 0.0, loss, cancel};
      recorder.row(c, {finalStepSize});
      for (std::size_t k = 0; k < events.size(); ++k) {
        gOld[k] = events[k](c);
        if (events[k].holds(gOld[k])) {
          result.events.push_back({k, 0.0, 0});
          // Keep it from firing again at the first step when g is exactly 0 now.
          if (gOld[k] == 0) gOld[k] = eventSpecs[k].direction > 0 ? 1e-300 : -1e-300;
          if (options.events[k].terminal && !done) {
            done = true;
            stop(RunStatus::Converged, "A termination event occurred: " + options.events[k].name + " " +
                                           formatNumber(options.events[k].threshold) + " already holds at t = 0.");
          }
        }
      }
    }

    while (!done) {
      if (pulse.cancelled()) {
        stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(solver.t()));
        break;
      }
      if (solver.accepted() >= options.maxSteps) {
        stop(RunStatus::Completed, "step budget used (maxSteps = " + std::to_string(options.maxSteps) +
                                       ") at t = " + formatNumber(solver.t()));
        break;
      }
      const Status status = solver.step();
      if (status == Status::Failed) {
        if (std::isfinite(solver.lastErrorNorm())) {
          stop(RunStatus::Failed, solver.message() + " (step size too small at t = " + formatNumber(solver.t()) + ")");
        } else {
          stop(RunStatus::Diverged, "every step from t = " + formatNumber(solver.t()) +
                                        " produced non-finite values, down to the smallest step size");
          diverged = true;
        }
        break;
      }
      points.stepped(solver.y());
      Evaluated now = points.state(solver.y());
      loss = now.loss;
      const std::uint64_t n = solver.accepted();
      const double h = solver.stepSize();
      const SplitTime tOld = solver.timeOld();
      if (guard.diverged(loss)) {
        diverged = true;
        stop(RunStatus::Diverged, std::string(std::isfinite(loss) ? "loss above the ceiling" : "non-finite loss") +
                                      " at t = " + formatNumber(solver.t()));
        break;
      }
      // Events on this step.
      std::vector<EventHit> hits;
      if (!events.empty()) {
        ProbeContext c{problem, *now.evaluator, solver.y(), theta0Ptr, n, solver.t(), loss, cancel};
        for (std::size_t k = 0; k < events.size(); ++k) gNew[k] = events[k](c);
        hits = locateEvents(solver, eventSpecs, gOld, gNew, scratch, [&](std::size_t k, double s, const double* y) {
          const Evaluated e = points.dense(y);
          ProbeContext cs{problem, *e.evaluator, y, theta0Ptr, n, tOld.plus(s), e.loss, cancel};
          return events[k](cs);
        });
        std::swap(gOld, gNew);
      }
      const bool terminal = !hits.empty() && eventSpecs[hits.back().event].terminal;
      const double cut = terminal ? hits.back().offset : h;
      // Rows at requested times inside the step (up to a terminal event).
      while (nextTime < options.times.size() && tOld.until(options.times[nextTime]) <= cut) {
        const double s = tOld.until(options.times[nextTime]);
        const double* y = solver.y();
        Evaluated e;
        if (s < h) {
          solver.dense(std::max(s, 0.0), point.data());
          y = point.data();
          e = points.dense(y);
        } else {
          e = points.state(y);
        }
        recorder.row(ProbeContext(problem, *e.evaluator, y, theta0Ptr, n, options.times[nextTime], e.loss), {h});
        ++nextTime;
      }
      for (const auto& hit : hits) result.events.push_back({hit.event, tOld.plus(hit.offset), n});
      if (terminal) {
        const auto& spec = options.events[hits.back().event];
        finalTime = tOld.plus(cut);
        if (cut < h) {
          solver.dense(cut, point.data());
          cutByEvent = true;
        }
        finalStep = n;
        finalStepSize = h;
        stop(RunStatus::Converged, "A termination event occurred: " + spec.name + " " + formatNumber(spec.threshold) +
                                       " at t = " + formatNumber(finalTime) + ".");
        done = true;
        break;
      }
      if (options.recordEvery > 0 && n % options.recordEvery == 0) {
        const Evaluated e = points.state(solver.y());
        recorder.row(ProbeContext(problem, *e.evaluator, solver.y(), theta0Ptr, n, solver.t(), e.loss), {h});
      }
      if (status == Status::Finished) {
        stop(RunStatus::Completed, solver.message());
        break;
      }
      pulse.beat(n, loss, solver.t());
    }
  } catch (const Error& e) {
    // Long work inside the step (an eigensolve in a row or an event, a stiff method's Krylov basis
    // or stage) saw the cancel flag: the run ends at the solver's state -- the last accepted step,
    // which a stepper keeps when an attempt is interrupted (stiff_stepper.hpp) -- with the rows
    // recorded so far.
    if (!RunPulse::isCancellation(e)) throw;
    stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(solver.t()));
  }

  // The end point: the solver's state unless a terminal event cut the last step.
  const double* finalPoint = cutByEvent ? point.data() : solver.y();
  if (!cutByEvent) {
    finalTime = solver.t();
    finalStep = solver.accepted();
    if (solver.accepted() > 0) finalStepSize = solver.stepSize();
  }
  result.time = finalTime;
  result.weights.assign(finalPoint, finalPoint + P);
  if (!diverged) {
    const Evaluated e = cutByEvent ? points.dense(finalPoint) : points.state(finalPoint);
    result.finalLoss = e.loss;
    result.finalGradNorm = std::sqrt(e.evaluator->gradNormSquared());
    if (!recorder.lastRowIs(finalStep, finalTime)) {
      try {
        recorder.row(ProbeContext(problem, *e.evaluator, finalPoint, theta0Ptr, finalStep, finalTime, e.loss),
                     {finalStepSize});
      } catch (const Error& err) {
        if (!RunPulse::isCancellation(err)) throw;
        // Without its final row the run is not complete, whatever ended it.
        if (result.status != RunStatus::Cancelled)
          stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(finalTime));
      }
    }
  }
  result.nfev = solver.nfev();
  result.accepted = solver.accepted();
  result.rejected = solver.rejected();
  result.extraEvaluations = points.evaluations() - result.nfev;
  result.lastStepSize = solver.lastFullStepSize();
  takeStats(solver, result);
  result.balancednessDrift = diagnostics::balancednessDrift(problem.spec(), result.weights.data(), run.reference);
}

StiffOptions stiffOptions(const FlowOptions& o) {
  StiffOptions s;
  s.rtol = o.integrator.rtol;
  s.atol = o.integrator.atol;
  s.firstStep = o.integrator.firstStep;
  s.maxStep = o.integrator.maxStep;
  s.krylovTolerance = o.krylovTolerance;
  s.maxKrylov = o.maxKrylov;
  return s;
}

}  // namespace

const char* flowMethodName(FlowMethod m) {
  switch (m) {
    case FlowMethod::Rk45: return "rk45";
    case FlowMethod::Exprb43: return "exprb43";
    case FlowMethod::Auto: return "auto";
  }
  return "rk45";
}

FlowResult gradientFlow(const Problem& problem, const std::vector<double>& theta0, const FlowOptions& options,
                        RunControl& control) {
  validate(options, problem);
  const std::size_t P = problem.spec().paramCount();
  if (theta0.size() != P) {
    fail(ErrorCode::Shape, "weights",
         "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta0.size()));
  }

  FlowResult result;
  result.method = options.method;
  // The result's weights, and the driver's scratch: two dense-output states and D_l(theta0).
  result.memory.grow(doubleBytes(P, "weights"), "weights");
  std::size_t scratchDoubles = 2 * P;
  for (std::size_t l = 0; l + 1 < problem.spec().depth(); ++l)
    scratchDoubles += problem.spec().rows(l) * problem.spec().rows(l);
  MemoryReservation working(doubleBytes(scratchDoubles, "weights"), "weights");
  RunPulse pulse(control);
  RunRecorder recorder(problem, options.record, options.probeOptions, result.trace, pulse.flag(), kExtras);
  std::vector<QuantityEvent> events;
  std::vector<EventSpec> eventSpecs;
  events.reserve(options.events.size());
  for (const auto& e : options.events) {
    events.emplace_back(e, problem, options.probeOptions);
    eventSpecs.push_back({events.back().direction(), e.terminal});
  }
  std::vector<std::vector<double>> reference;  // D_l(theta0)
  for (std::size_t l = 0; l + 1 < problem.spec().depth(); ++l) {
    reference.push_back(diagnostics::balancedness(problem.spec(), theta0.data(), l));
  }
  FlowSetup run{problem, theta0, options, result, pulse, recorder, events, eventSpecs, reference};

  if (options.method == FlowMethod::Rk45) {
    GradientFlowSystem system(problem);
    Dopri5 solver(system, theta0.data(), 0.0, options.tEnd, options.integrator);
    Rk45Points points(system);
    runFlow(run, solver, points);
  } else {
    // Two evaluation slots and their Hessian operators (stiff_system.hpp): the evaluators reserve
    // their own buffers, the Krylov bases theirs as they grow.
    DlnHessianSystem system(problem);
    StiffPoints points(system);
    if (options.method == FlowMethod::Exprb43) {
      Exprb solver(system, theta0.data(), 0.0, options.tEnd, stiffOptions(options), ExprbScheme::Exprb43);
      solver.setCancel(pulse.flag());  // polled before every product inside a step
      runFlow(run, solver, points);
    } else {
      AutoStepper solver(system, theta0.data(), 0.0, options.tEnd, stiffOptions(options), options.seed,
                         options.integrator.controller);
      solver.setCancel(pulse.flag());
      runFlow(run, solver, points);
    }
  }
  pulse.finish(result.accepted, result.finalLoss, result.time);
  result.memory.absorb(recorder.takeReservation());
  return result;
}

}  // namespace dln
