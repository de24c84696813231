// A prototype of the `auto` method (docs/stiff-integration.md §9): DOPRI5 while the flow is not
// stiff, exprb43 while it is, switching both ways like LSODA, on one DlnHessianSystem.
//
// RK45 -> exprb43. An explicit method is stiff when its accepted steps sit at its stability limit
// (h S ~ 3.3 for DOPRI5, S = lambda_max(H)) instead of its accuracy limit. The test is exact here:
// S from a warm Lanczos estimate on exact Hessian-vector products. It is run only when the step
// sequence looks stability-bound -- over the last `window` accepted steps (8, doubling after each
// negative check up to 128) the step size did not double and at least one attempt was rejected
// (the controller hunting around the limit) -- so a plateau, where the steps grow geometrically,
// pays nothing, and a long suspicious but non-stiff phase pays O(log steps) estimates.
// Switch when h S >= 2.5.
// exprb43 -> RK45. Switch back when the exponential method's step is below what RK45 could take
// stably (h S < 1.5) for `window` consecutive steps, S from the free top Ritz value of each step's
// Krylov basis (a lower bound) and confirmed by a warm Lanczos estimate before switching: RK45
// then needs at most ~1.8 S gradients per unit time, less than the exponential method's >= 3
// gradients per step at h < 1.5 / S.
// Each switch restarts the other stepper at the current point (one or two gradients), in local
// time: the reported time is the switch point plus the stepper's local time (split time kept).
// After every accepted step, in either mode, the system's linearization point is the accepted
// point (its evaluator holds it, gradient complete): what the flow driver's probes read.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dopri5.hpp"
#include "exprb.hpp"
#include "stiff_stepper.hpp"

namespace dln {

class AutoStepper {
 public:
  enum class Status { Running, Finished, Failed };
  // `controller`: the step control of the RK45 phases (the flow's `controller` option).
  AutoStepper(DlnHessianSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
              std::uint64_t seed = 0, StepController controller = StepController::I);

  // Advances by one accepted step of the current method. With a raised cancel flag (setCancel)
  // an exprb43 step throws ErrorCode::Cancelled before its next product or stage (the state stays
  // at the last accepted step, stiff_stepper.hpp); a detector estimate interrupted after an
  // accepted step is dropped and the step returned as usual, so that the driver records it and
  // then sees the flag (an RK45 step itself is not interrupted: a few gradients).
  Status step();
  // The run's cancel flag: the detector's Lanczos and the exprb43 stepper poll it before every
  // Hessian-vector product.
  void setCancel(CancelFlag cancel);
  Status status() const { return status_; }
  const std::string& message() const { return message_; }
  double lastErrorNorm() const { return stiff_ ? exprb_->lastErrorNorm() : rk45_->lastErrorNorm(); }
  std::size_t dimension() const { return n_; }
  double t() const { return time().value(); }
  SplitTime time() const;
  SplitTime timeOld() const;
  double stepSize() const { return stiff_ ? exprb_->stepSize() : rk45_->stepSize(); }
  double lastFullStepSize() const { return stiff_ ? exprb_->lastFullStepSize() : rk45_->lastFullStepSize(); }
  const double* y() const { return stiff_ ? exprb_->y() : rk45_->y(); }
  const double* yOld() const { return stiff_ ? exprb_->yOld() : rk45_->yOld(); }
  void dense(double s, double* out) { stiff_ ? exprb_->dense(s, out) : rk45_->dense(s, out); }

  bool stiffMode() const { return stiff_; }
  // Counters over both steppers: nfev (RK45's right-hand sides included), hvps (exprb43's and the
  // detector's), accepted, rejected; sharpness = the last estimate.
  StiffStats stats() const;
  std::uint64_t switches() const { return switches_; }
  std::uint64_t detectorHvps() const { return detectorHvps_; }
  std::uint64_t nfev() const { return stats().nfev; }
  std::uint64_t accepted() const { return stats().accepted; }
  std::uint64_t rejected() const { return stats().rejected; }

 private:
  void toStiff();
  void toRk45();
  // Warm Lanczos at the system's linearization point; false (and no estimate) when the cancel flag
  // interrupted it.
  bool estimateSharpness(double& sharpness);

  DlnHessianSystem& system_;
  std::size_t n_;
  StiffOptions options_;
  std::uint64_t seed_;
  StepController controller_;
  CancelFlag cancel_;
  double tEnd_;
  SplitTime origin_;  // where the current stepper's local time 0 is
  bool stiff_ = false;
  std::unique_ptr<Dopri5> rk45_;
  std::unique_ptr<Exprb> exprb_;
  StiffStats retired_;  // counters of the steppers already replaced
  std::uint64_t switches_ = 0, detectorHvps_ = 0, estimates_ = 0;
  std::vector<double> ritz_;
  // Detector state. A switch decided after a step is made at the start of the next one.
  enum class Pending { None, ToStiff, ToRk45 };
  Pending pending_ = Pending::None;
  static constexpr std::size_t kWindow = 8, kMaxWindow = 128;
  std::size_t window_ = kWindow;  // RK45 steps between checks; doubles after a negative check
  std::vector<double> recent_;    // accepted step sizes since the last check / switch
  std::uint64_t rejectedAtWindowStart_ = 0;
  std::size_t smallSteps_ = 0;  // consecutive exprb43 steps with h S < 1.5
  double sharpness_ = 0.0;
  Status status_ = Status::Running;
  std::string message_;
};

}  // namespace dln
