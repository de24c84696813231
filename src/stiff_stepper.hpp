// The step loop shared by the stiff gradient-flow steppers (rkc.hpp, exprb.hpp), with the same
// shape and semantics as Dopri5 (dopri5.hpp) so that one driver can run any of them:
//   - error norm RMS(err / sc), sc = atol + rtol max(|y|, |y_new|); accept iff err < 1, a
//     non-finite err is a rejection;
//   - time as SplitTime (base + offset), advanced exactly by every accepted step; inside a step
//     the stepper works in the local offset s in [0, h] (flows reach t ~ 1e20 in O(1) steps);
//   - a step lands exactly on tEnd; tEnd may be +infinity;
//   - dense output on the last accepted step at local offset s, exactly yOld at 0 and y at h;
//   - counters: right-hand sides (nfev), Hessian-vector products (hvps), Krylov iterations,
//     accepted and rejected steps, and the stiffness estimates used.
// The controller is Gustafsson's predictive one as in RKC (Sommeijer, Shampine & Verwer 1998),
// for a local error estimate err ~ h^(q+1) (q = 2 for RKC2 and exprb32, 3 for exprb43), k = 1/(q+1):
// after an acceptance h *= 0.8 (h / h_prev) (err_prev / err^2)^k, after a rejection
// h *= 0.8 err^(-k), the factor clamped to [0.1, 10] and no growth right after a rejection.
// docs/stiff-integration.md §3.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "control.hpp"
#include "dopri5.hpp"
#include "stiff_system.hpp"

namespace dln {

struct StiffOptions {
  double rtol = 1e-6;
  double atol = 1e-9;
  double firstStep = 0.0;  // 0: automatic (scipy's select_initial_step for the method's estimate order)
  double maxStep = std::numeric_limits<double>::infinity();
  // RKC: the stage count covers spectralSafety * (Lanczos top Ritz value + its residual),
  // re-estimated every spectralRefresh accepted steps and after a rejection.
  double spectralSafety = 1.2;
  std::uint64_t spectralRefresh = 25;
  // Exponential Rosenbrock: each Krylov approximation stops when its estimated error, in the
  // step's error norm, is below krylovTolerance; maxKrylov caps the basis (the step is then cut).
  // 0.01, not 0.1: the Krylov error accumulates per step (docs/stiff-integration.md §4.3).
  double krylovTolerance = 0.01;
  std::size_t maxKrylov = 120;
  bool krylovReorthogonalize = false;  // full Gram-Schmidt in the Lanczos bases (krylov_phi.hpp)
};

// ERR_DLN_VALUE naming rtol, atol, firstStep, maxStep, spectralSafety, spectralRefresh,
// krylovTolerance or maxKrylov. rtol and atol as Dopri5Options.
void validate(const StiffOptions& options);

struct StiffStats {
  std::uint64_t nfev = 0;  // right-hand sides (gradients)
  std::uint64_t hvps = 0;  // Hessian-vector products (about two gradients each)
  std::uint64_t accepted = 0, rejected = 0;
  std::uint64_t krylovIterations = 0;                           // Lanczos steps (spectral bounds or phi-functions)
  std::uint64_t krylovCuts = 0;                                 // rejections because a Krylov basis hit maxKrylov
  std::uint64_t spectralEstimates = 0;                          // RKC: Lanczos bounds computed
  std::uint64_t stages = 0;                                     // RKC: stages over all attempts
  std::size_t maxStages = 0;                                    // RKC: the largest stage count
  std::size_t maxKrylov = 0;                                    // exponential: the largest Krylov basis
  double sharpness = std::numeric_limits<double>::quiet_NaN();  // the last top-eigenvalue estimate of H
  // Gradients plus two per Hessian-vector product: the cost measure of the benchmarks.
  std::uint64_t gradientEquivalents() const { return nfev + 2 * hvps; }
};

class StiffStepper {
 public:
  enum class Status { Running, Finished, Failed };
  virtual ~StiffStepper() = default;

  // Advances by one accepted step, retrying rejected attempts with smaller steps. Finished when
  // tEnd is reached, Failed when the step size fell below the floor (the state then stays at the
  // last accepted point). With a raised cancel flag (setCancel) it throws ErrorCode::Cancelled
  // before the next Hessian-vector product or right-hand side of an attempt: y, t, f, the counters
  // of accepted steps and the system's linearization point then stay at the last accepted step (an
  // attempt writes only its own buffers until accept()); dense() is not valid any more (as after a
  // rejected attempt, the bases may have been restarted).
  Status step();
  // The run's cancel flag, polled before every Hessian-vector product and stage right-hand side
  // (control.hpp: one relaxed load per product, nothing in the vector loops).
  void setCancel(CancelFlag cancel) { cancel_ = cancel; }
  Status status() const { return status_; }
  const std::string& message() const { return message_; }
  double lastErrorNorm() const { return lastError_; }

  std::size_t dimension() const { return n_; }
  double t() const { return time_.value(); }
  double tOld() const { return timeOld_.value(); }
  const SplitTime& time() const { return time_; }
  const SplitTime& timeOld() const { return timeOld_; }
  double stepSize() const { return hLast_; }
  double lastFullStepSize() const { return hFull_; }
  double nextStepSize() const { return hAbs_; }
  const double* y() const { return y_.data(); }
  const double* yOld() const { return yOld_.data(); }
  const double* f() const { return f_.data(); }  // f(y), also at the system's linearization point

  // Dense output on the last accepted step at local offset s in [0, stepSize()] from tOld:
  // exactly yOld at s <= 0 and y at s >= h.
  void dense(double s, double* out);

  const StiffStats& stats() const { return stats_; }
  std::uint64_t nfev() const { return stats_.nfev; }
  std::uint64_t accepted() const { return stats_.accepted; }
  std::uint64_t rejected() const { return stats_.rejected; }

  // scipy's select_initial_step for an error estimate of the given order (err ~ h^(order+1)).
  static double initialStep(OdeSystem& system, const double* y0, const double* f0, double interval, double maxStep,
                            double rtol, double atol, int order, std::vector<double>& scratch);
  // RMS over i of e_i / (atol + rtol max(|a_i|, |b_i|)), summed as Dopri5 sums (four interleaved
  // partial sums in a fixed order: deterministic on every machine).
  static double scaledNorm(std::size_t n, const double* e, const double* a, const double* b, double rtol, double atol);

 protected:
  // Evaluates f(y0) at the linearization point and selects the first step (one more f unless
  // firstStep is set). Options must have passed validate(). errorOrder: q of the estimate.
  StiffStepper(HessianOdeSystem& system, const double* y0, double t0, double tEnd, const StiffOptions& options,
               int errorOrder);

  // One attempt of size h from (y_, f_) into yNew_ (and fNew_ if the method computes it);
  // returns the error norm. A non-finite norm is a rejection. Setting cutFactor_ > 0 forces
  // that reduction instead of the controller's (a Krylov basis too large for this h).
  virtual double attempt(double h) = 0;
  // The attempt of size h was accepted: leave f(yNew_) in fNew_ and the system linearized at yNew_.
  virtual void accept(double h) = 0;
  // The largest step the method can attempt from here, given the controller's proposal (RKC's
  // stage cap); the default takes the proposal.
  virtual double limit(double h) { return h; }
  // Dense output strictly inside the step (0 < s < h).
  virtual void denseInside(double s, double* out) = 0;

  // Counted calls into the system. rhs() and hvp() poll the cancel flag first (an attempt's work);
  // linearize() does not (it is the acceptance of a step, or the construction).
  void rhs(const double* y, double* f) {
    cancel_.check();
    system_.rhs(y, f);
    ++stats_.nfev;
  }
  void linearize(const double* y, double* f) {
    system_.linearize(y, f);
    ++stats_.nfev;
  }
  void hvp(const double* v, double* out) {
    cancel_.check();
    system_.hessianTimes(v, out);
    ++stats_.hvps;
  }

  HessianOdeSystem& system_;
  std::size_t n_;
  StiffOptions options_;
  double exponent_;  // 1 / (q + 1)
  StiffStats stats_;
  std::vector<double> y_, yOld_, yNew_, f_, fOld_, fNew_;
  double cutFactor_ = 0.0;
  CancelFlag cancel_;

 private:
  SplitTime time_, timeOld_;
  double tEnd_;
  double hAbs_ = 0.0, hLast_ = 0.0, hFull_ = 0.0;
  double errPrev_ = 0.0, hPrev_ = 0.0;  // the predictive controller's memory (last acceptance)
  double lastError_ = 0.0;
  Status status_ = Status::Running;
  std::string message_;
};

}  // namespace dln
