// What every driver shares: gradient descent (gd.hpp), gradient flow (flow.hpp), and the
// optimizers, stiff flows and central flows to come. A driver is a function
//
//   XResult x(const Problem& problem, const std::vector<double>& theta0, const XOptions& options,
//             RunControl& control);
//
// that moves a point theta away from theta0 and returns how the run ended (RunStatus + message),
// the final point and a Trace. It uses the pieces below, so that every driver records, diverges,
// reports progress and stops the same way. The contract:
//
// 1. Options. XOptions holds `record` (quantity names, probes.hpp; empty = defaultQuantities),
//    `probeOptions` and `lossCeiling` (NaN = automatic), as GdOptions and FlowOptions do.
//    validate(options, problem) checks everything up front -- the names with RunRecorder::check,
//    the ceiling with DivergenceGuard::validate -- so the binding refuses bad input before any
//    work is queued, with the field's name.
// 2. Recording. One RunRecorder writes the result's trace: the columns "step" and "time", then the
//    quantities in the order asked (duplicates dropped; the spectral ones share one eigensolve per
//    row), with the driver's own scalar columns (`extras`, e.g. the flow's "stepSize") where the
//    caller named them. recorder.row(context, {extra values}) records at a point the evaluator has
//    just evaluated with its gradient complete; "step" is the driver's step counter (updates,
//    accepted steps), "time" is eta * step for discrete methods and the flow time for continuous
//    ones. A row is all or nothing: if anything throws while it is recorded (a cancellation inside
//    an eigensolve, the memory limit), the row is removed before the exception leaves. Which steps
//    are recorded is the driver's choice; RecordSchedule is the step-based rule (every k steps and
//    log-spaced per decade, always step 0) for discrete methods. Record the final point unless it
//    is the last row already (lastRowIs) -- except for a diverged run, which records nothing at
//    the point that diverged.
// 3. Divergence. A DivergenceGuard sees every loss along the trajectory, starting with the initial
//    one (start() fixes the automatic ceiling 1e12 max(1, loss0)). A non-finite loss, or one above
//    the ceiling, ends the run with status "diverged" -- a result, not an error: the result holds
//    the point that diverged and NaN final loss and gradient norm.
// 4. Progress and cancellation. A RunPulse wraps the RunControl. Poll pulse.cancelled() once per
//    step (one relaxed atomic load) and end with status "cancelled" at the current point; call
//    pulse.beat(done, loss, time) once per step (it calls back at most every progress interval,
//    and looks at the clock every `stride` calls, so a step of 0.3 us pays nothing measurable);
//    pulse.finish(...) once at the end. Long work inside one step (eigensolves in probes and
//    events) polls the CancelFlag that reaches it through ProbeContext::cancel -- the recorder
//    sets it on every row, events use pulse.flag() -- and throws ErrorCode::Cancelled. Catch that
//    around the driver's loop (isCancellation) and end with status "cancelled", keeping the rows
//    recorded so far: an abort then stops a run within one bounded piece of work (one Lanczos
//    iteration, one block of Hessian columns), never a whole eigensolve.
// 5. Memory (memory.hpp). The recorder reserves the trace against the memory limit as it grows
//    and throws ERR_DLN_MEMORY on "recordEvery" when the next rows would pass the limit (the run
//    then ends with that error, not with an OOM kill). Evaluator, HessianOperator, Dopri5 and
//    Lanczos reserve their own buffers; the driver reserves what else it allocates (the result's
//    weights, its own scratch) and moves the trace's reservation into its result
//    (takeReservation), which holds it until the result is released.
//
// A discrete driver's skeleton (gradientDescent in optimizers/train.cpp is this, plus its targets):
//
//   XResult r;
//   r.memory.grow(doubleBytes(P, "weights"), "weights");
//   r.weights = theta0;
//   Evaluator ev(problem);
//   RunPulse pulse(control, options.maxSteps, 256);
//   RunRecorder recorder(problem, options.record, options.probeOptions, r.trace, pulse.flag(), {"learningRate"});
//   RecordSchedule schedule(options.recordEvery, options.recordPerDecade);
//   DivergenceGuard guard(options.lossCeiling);
//   try {
//     for (std::uint64_t t = 0;; ++t) {
//       const double loss = ev.evaluate(theta);
//       if (t == 0) guard.start(loss);
//       if (guard.diverged(loss)) { /* status diverged, r.divergedAt = t */ break; }
//       const bool last = t >= options.maxSteps || pulse.cancelled();  // (status cancelled)
//       ev.completeGradient();
//       if (schedule.due(t) || last) recorder.row(ProbeContext(problem, ev, theta, theta0.data(), t, time, loss), {eta});
//       if (last) { /* final loss and gradient norm */ break; }
//       /* the method's update of theta */
//       pulse.beat(t + 1, loss);
//     }
//   } catch (const Error& e) {
//     if (!RunPulse::isCancellation(e)) throw;
//     /* status cancelled, at the current point */
//   }
//   pulse.finish(steps, r.finalLoss);
//   r.memory.absorb(recorder.takeReservation());
//
// Its binding parses the options (validate(options, problem) under "options" before queueing) and
// runs it in a Job (binding/train.cpp is the model): the Job reserves the copies it makes (the
// weights from JS and their JS copy out), calls the driver inside UnderOptions, hands the trace
// over with MoveTraceToJs and frees everything (Release) once the result is converted or the run
// failed. Adding a driver is then: its options and result structs, validate(), the loop (the
// method's own arithmetic) and that binding; the trace, probes, divergence, progress,
// cancellation and memory rules come from here.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "control.hpp"
#include "memory.hpp"
#include "probes.hpp"
#include "problem.hpp"
#include "trace.hpp"

namespace dln {

class RunRecorder {
 public:
  // `names`: the quantities asked for (empty: defaultQuantities(problem)). `extras`: the driver's
  // own scalar columns, accepted in `names` and filled by the driver at every row. Throws
  // ERR_DLN_VALUE on "record" for an unknown name (and what makeProbe throws for the others).
  RunRecorder(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options, Trace& trace,
              CancelFlag cancel = {}, const std::vector<std::string>& extras = {});
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // Checks the names and probe options as the constructor does, recording nothing.
  static void check(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options,
                    const std::vector<std::string>& extras = {});

  // Room for this many rows up front, if the memory limit allows it now (a hint: the trace grows
  // past it as needed).
  void reserve(std::size_t rows);

  // Records one row at the context's point: step, time, then every column; `extras` holds one
  // value per extra column the recorder was given (in that order). All or nothing (see above).
  // Throws ERR_DLN_MEMORY on "recordEvery" if the trace cannot grow within the memory limit.
  void row(ProbeContext context, std::initializer_list<double> extras = {});
  bool lastRowIs(std::uint64_t step, double time) const { return any_ && lastStep_ == step && lastTime_ == time; }
  std::size_t rows() const { return rows_; }
  std::size_t rowBytes() const { return rowBytes_; }

  // The trace's memory reservation, for the result that keeps the trace.
  MemoryReservation takeReservation() { return std::move(memory_); }

 private:
  struct Item {
    std::unique_ptr<Probe> probe;  // null for an extra column
    std::size_t column;            // the extra's trace column
    std::size_t extra;             // the extra's index in `extras`
  };
  // Makes room for one more row: capacity grows by half (or as far as the limit allows).
  void grow();
  bool tryCapacity(std::size_t rows);
  Trace& trace_;
  CancelFlag cancel_;
  std::size_t extraCount_ = 0;
  std::size_t stepColumn_ = 0, timeColumn_ = 0;
  std::vector<Item> items_;
  std::size_t rows_ = 0, capacity_ = 0;
  std::size_t rowBytes_ = 0;  // bytes one row adds to the trace
  MemoryReservation memory_;  // capacity_ * rowBytes_
  bool any_ = false;
  std::uint64_t lastStep_ = 0;
  double lastTime_ = 0.0;
};

// The step-based recording rule: step 0, every `every` steps (0: never), and, with perDecade = m,
// the first step >= 10^(j/m) for j = 0, 1, ... (the resolution log-time plots need).
class RecordSchedule {
 public:
  RecordSchedule(std::uint64_t every, std::uint64_t perDecade)
      : every_(every), perDecade_(static_cast<double>(perDecade)),
        nextLog_(perDecade > 0 ? 1 : std::numeric_limits<std::uint64_t>::max()) {}
  // Whether step t is recorded. Call with t = 0, 1, 2, ... in order (the log-spaced rule keeps state).
  bool due(std::uint64_t t) {
    bool scheduled = t == 0 || (every_ > 0 && t % every_ == 0);
    if (t >= nextLog_) {
      scheduled = true;
      while (nextLog_ <= t) {
        nextLog_ =
            static_cast<std::uint64_t>(std::ceil(std::pow(10.0, static_cast<double>(++logIndex_) / perDecade_) - 1e-9));
      }
    }
    return scheduled;
  }

 private:
  std::uint64_t every_;
  double perDecade_;
  std::uint64_t logIndex_ = 0, nextLog_;
};

// Non-finite losses and losses above a ceiling.
class DivergenceGuard {
 public:
  // `ceiling`: the caller's lossCeiling, NaN for automatic.
  explicit DivergenceGuard(double ceiling) : ceiling_(ceiling) {}
  // ERR_DLN_VALUE on "lossCeiling" unless NaN (automatic) or > 0.
  static void validate(double ceiling);
  // The run's first loss: fixes the automatic ceiling at 1e12 max(1, loss0) (1e12 if loss0 is not finite).
  void start(double loss0) {
    if (std::isnan(ceiling_)) ceiling_ = 1e12 * std::max(1.0, std::isfinite(loss0) ? loss0 : 1.0);
  }
  bool diverged(double loss) const { return !std::isfinite(loss) || loss > ceiling_; }
  double ceiling() const { return ceiling_; }

 private:
  double ceiling_;
};

// Progress and cancellation of one run.
class RunPulse {
 public:
  // `total`: the budget shown with progress (0: unknown). `stride`: a power of two; beat() looks
  // at the clock every `stride` calls, starting with the first.
  RunPulse(RunControl& control, std::uint64_t total = 0, std::uint64_t stride = 1)
      : control_(control), wants_(control.wantsProgress()), mask_(stride - 1) {
    progress_.total = total;
  }
  bool cancelled() const { return control_.cancelled(); }
  CancelFlag flag() const { return control_.cancelFlag(); }
  void beat(std::uint64_t done, double loss, double time = 0.0) {
    if (!wants_ || (calls_++ & mask_) != 0) return;
    set(done, loss, time);
    control_.report(progress_);
  }
  void finish(std::uint64_t done, double loss, double time = 0.0) {
    if (!wants_) return;
    set(done, loss, time);
    control_.report(progress_, true);
  }
  // An exception that is a cancellation from long work inside a step.
  static bool isCancellation(const Error& e) { return e.code() == ErrorCode::Cancelled; }

 private:
  void set(std::uint64_t done, double loss, double time) {
    progress_.done = done;
    progress_.loss = loss;
    progress_.time = time;
  }
  RunControl& control_;
  bool wants_;
  std::uint64_t mask_;
  std::uint64_t calls_ = 0;
  Progress progress_;
};

}  // namespace dln
