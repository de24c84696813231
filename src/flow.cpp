#include "flow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "diagnostics.hpp"
#include "driver.hpp"
#include "error.hpp"

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
  DivergenceGuard::validate(o.lossCeiling);
  RunRecorder::check(problem, o.record, o.probeOptions, kExtras);
  for (const auto& e : o.events) {
    if (std::isnan(e.threshold)) fail(ErrorCode::Value, e.field, "must be a number");
    QuantityEvent check(e, problem, o.probeOptions);
  }
}

FlowResult gradientFlow(const Problem& problem, const std::vector<double>& theta0, const FlowOptions& options,
                        RunControl& control) {
  validate(options, problem);
  const std::size_t P = problem.spec().paramCount();
  if (theta0.size() != P) {
    fail(ErrorCode::Shape, "weights", "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta0.size()));
  }

  FlowResult result;
  // The result's weights, and the driver's scratch: two dense-output states and D_l(theta0).
  result.memory.grow(doubleBytes(P, "weights"), "weights");
  std::size_t scratchDoubles = 2 * P;
  for (std::size_t l = 0; l + 1 < problem.spec().depth(); ++l) scratchDoubles += problem.spec().rows(l) * problem.spec().rows(l);
  MemoryReservation working(doubleBytes(scratchDoubles, "weights"), "weights");
  GradientFlowSystem system(problem);
  Evaluator& evaluator = system.evaluator();
  RunPulse pulse(control);
  const CancelFlag cancel = pulse.flag();
  RunRecorder recorder(problem, options.record, options.probeOptions, result.trace, cancel, kExtras);
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

  Dopri5 solver(system, theta0.data(), 0.0, options.tEnd, options.integrator);
  std::vector<double> point(P);  // dense-output states (rows at requested times, event roots)
  std::vector<double> scratch;
  const double* theta0Ptr = theta0.data();

  // Which point the evaluator holds: `at` when system.evaluations() == `atCount`. Only the
  // solver's state is tracked this way; dense-output buffers change contents between uses and
  // are always evaluated afresh (evaluateDense).
  const double* at = nullptr;
  std::uint64_t atCount = 0;
  auto evaluateAt = [&](const double* y) {
    if (at != y || atCount != system.evaluations()) {
      system.evaluateAt(y);
      at = y;
      atCount = system.evaluations();
    }
    return system.loss();
  };
  auto evaluateDense = [&](const double* y) {
    at = nullptr;
    return system.evaluateAt(y);
  };

  double loss = evaluateAt(solver.y());
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
      stop(RunStatus::Diverged, std::string(std::isfinite(loss) ? "loss above the ceiling" : "non-finite loss") + " at t = 0");
    } else {
      ProbeContext c{problem, evaluator, solver.y(), theta0Ptr, 0, 0.0, loss, cancel};
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
        stop(RunStatus::Completed, "step budget used (maxSteps = " + std::to_string(options.maxSteps) + ") at t = " +
                                       formatNumber(solver.t()));
        break;
      }
      const Dopri5::Status status = solver.step();
      if (status == Dopri5::Status::Failed) {
        if (std::isfinite(solver.lastErrorNorm())) {
          stop(RunStatus::Failed, solver.message() + " (step size too small at t = " + formatNumber(solver.t()) + ")");
        } else {
          stop(RunStatus::Diverged, "every step from t = " + formatNumber(solver.t()) +
                                        " produced non-finite values, down to the smallest step size");
          diverged = true;
        }
        break;
      }
      // The last right-hand side was f(y_new): the evaluator holds the new point.
      at = solver.y();
      atCount = system.evaluations();
      loss = system.loss();
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
        ProbeContext c{problem, evaluator, solver.y(), theta0Ptr, n, solver.t(), loss, cancel};
        for (std::size_t k = 0; k < events.size(); ++k) gNew[k] = events[k](c);
        hits = locateEvents(solver, eventSpecs, gOld, gNew, scratch, [&](std::size_t k, double s, const double* y) {
          const double l = evaluateDense(y);
          ProbeContext cs{problem, evaluator, y, theta0Ptr, n, tOld.plus(s), l, cancel};
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
        double l;
        if (s < h) {
          solver.dense(std::max(s, 0.0), point.data());
          y = point.data();
          l = evaluateDense(y);
        } else {
          l = evaluateAt(y);
        }
        recorder.row(ProbeContext(problem, evaluator, y, theta0Ptr, n, options.times[nextTime], l), {h});
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
        const double l = evaluateAt(solver.y());
        recorder.row(ProbeContext(problem, evaluator, solver.y(), theta0Ptr, n, solver.t(), l), {h});
      }
      if (status == Dopri5::Status::Finished) {
        stop(RunStatus::Completed, solver.message());
        break;
      }
      pulse.beat(n, loss, solver.t());
    }
  } catch (const Error& e) {
    // Long work inside the step (an eigensolve in a row or an event) saw the cancel flag: the run
    // ends at the solver's state with the rows recorded so far.
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
    const double l = cutByEvent ? evaluateDense(finalPoint) : evaluateAt(finalPoint);
    result.finalLoss = l;
    result.finalGradNorm = std::sqrt(evaluator.gradNormSquared());
    if (!recorder.lastRowIs(finalStep, finalTime)) {
      try {
        recorder.row(ProbeContext(problem, evaluator, finalPoint, theta0Ptr, finalStep, finalTime, l), {finalStepSize});
      } catch (const Error& e) {
        if (!RunPulse::isCancellation(e)) throw;
        // Without its final row the run is not complete, whatever ended it.
        if (result.status != RunStatus::Cancelled) stop(RunStatus::Cancelled, "cancelled at t = " + formatNumber(finalTime));
      }
    }
  }
  result.nfev = solver.nfev();
  result.accepted = solver.accepted();
  result.rejected = solver.rejected();
  result.extraEvaluations = system.evaluations() - solver.nfev();
  result.lastStepSize = solver.lastFullStepSize();
  result.balancednessDrift = diagnostics::balancednessDrift(problem.spec(), result.weights.data(), reference);
  pulse.finish(solver.accepted(), result.finalLoss, result.time);
  result.memory.absorb(recorder.takeReservation());
  return result;
}

}  // namespace dln
