#include "stiff_auto.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"
#include "lanczos.hpp"

namespace dln {

namespace {

// DOPRI5's stability limit is h S = 3.3 (docs/algorithms.md §3.11): the I controller hunts at
// h S ~ 3-3.6 once there. Stiff when h S >= kToStiff; back to RK45 when the exponential method's
// steps stay below kToRk45 / S.
constexpr double kToStiff = 2.5, kToRk45 = 1.5;

class CountedHessian final : public SymmetricOperator {
 public:
  CountedHessian(DlnHessianSystem& system, std::uint64_t& count) : system_(system), count_(count) {}
  std::size_t dimension() const override { return system_.dimension(); }
  void apply(const double* v, double* out) override {
    system_.hessianTimes(v, out);
    ++count_;
  }

 private:
  DlnHessianSystem& system_;
  std::uint64_t& count_;
};

Dopri5Options rk45Options(const StiffOptions& o, double firstStep, StepController controller) {
  Dopri5Options d;
  d.controller = controller;
  d.rtol = o.rtol;
  d.atol = o.atol;
  d.firstStep = firstStep;
  d.maxStep = o.maxStep;
  return d;
}

}  // namespace

AutoStepper::AutoStepper(DlnHessianSystem& system, const double* y0, double t0, double tEnd,
                         const StiffOptions& options, std::uint64_t seed, StepController controller)
    : system_(system), n_(system.dimension()), options_(options), seed_(seed), controller_(controller), tEnd_(tEnd),
      origin_(t0) {
  rk45_ = std::make_unique<Dopri5>(system_, y0, 0.0, origin_.until(tEnd_),
                                   rk45Options(options_, options_.firstStep, controller_));
  if (rk45_->status() == Dopri5::Status::Finished) status_ = Status::Finished;
}

SplitTime AutoStepper::time() const {
  SplitTime g = origin_;
  g.advance(stiff_ ? exprb_->t() : rk45_->t());
  return g;
}

SplitTime AutoStepper::timeOld() const {
  SplitTime g = origin_;
  g.advance(stiff_ ? exprb_->tOld() : rk45_->tOld());
  return g;
}

StiffStats AutoStepper::stats() const {
  StiffStats s = retired_;
  if (stiff_) {
    const StiffStats& e = exprb_->stats();
    s.nfev += e.nfev;
    s.hvps += e.hvps;
    s.accepted += e.accepted;
    s.rejected += e.rejected;
    s.krylovIterations += e.krylovIterations;
    s.krylovCuts += e.krylovCuts;
    s.maxKrylov = std::max(s.maxKrylov, e.maxKrylov);
  } else {
    s.nfev += rk45_->nfev();
    s.accepted += rk45_->accepted();
    s.rejected += rk45_->rejected();
  }
  s.hvps += detectorHvps_;
  s.spectralEstimates = estimates_;
  s.sharpness = sharpness_;
  return s;
}

void AutoStepper::setCancel(CancelFlag cancel) {
  cancel_ = cancel;
  if (exprb_) exprb_->setCancel(cancel);
}

bool AutoStepper::estimateSharpness(double& sharpness) {
  CountedHessian op(system_, detectorHvps_);
  LanczosOptions lo;
  lo.k = 1;
  lo.tol = 0.05;
  lo.maxIterations = 20;
  lo.seed = seed_;
  lo.stream = estimates_;
  lo.start = ritz_.empty() ? nullptr : ritz_.data();
  lo.cancel = cancel_;  // polled before every product
  ++estimates_;
  try {
    const LanczosResult r = lanczos(op, lo);
    ritz_.assign(r.vectors.begin(), r.vectors.begin() + n_);
    sharpness_ = r.values[0];
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Cancelled) return false;
    if (e.code() != ErrorCode::Value) throw;
    sharpness_ = 0.0;  // non-finite products: leave the decision to RK45's own failure handling
  }
  sharpness = sharpness_;
  return true;
}

void AutoStepper::toStiff() {
  retired_.nfev += rk45_->nfev();
  retired_.accepted += rk45_->accepted();
  retired_.rejected += rk45_->rejected();
  const SplitTime now = time();
  StiffOptions o = options_;
  o.firstStep = rk45_->lastFullStepSize();  // no initial-step evaluation: start from RK45's step
  exprb_ = std::make_unique<Exprb>(system_, rk45_->y(), 0.0, now.until(tEnd_), o, ExprbScheme::Exprb43);
  exprb_->setCancel(cancel_);
  rk45_.reset();
  origin_ = now;
  stiff_ = true;
  smallSteps_ = 0;
  ++switches_;
}

void AutoStepper::toRk45() {
  const StiffStats& e = exprb_->stats();
  retired_.nfev += e.nfev;
  retired_.hvps += e.hvps;
  retired_.accepted += e.accepted;
  retired_.rejected += e.rejected;
  retired_.krylovIterations += e.krylovIterations;
  retired_.krylovCuts += e.krylovCuts;
  retired_.maxKrylov = std::max(retired_.maxKrylov, e.maxKrylov);
  const SplitTime now = time();
  rk45_ = std::make_unique<Dopri5>(
      system_, exprb_->y(), 0.0, now.until(tEnd_),
      rk45Options(options_, std::min(exprb_->lastFullStepSize(), 3.0 / std::max(sharpness_, 1e-300)), controller_));
  exprb_.reset();
  origin_ = now;
  stiff_ = false;
  recent_.clear();
  rejectedAtWindowStart_ = 0;
  window_ = kWindow;
  ++switches_;
}

AutoStepper::Status AutoStepper::step() {
  if (status_ != Status::Running) return status_;
  // A switch decided after the previous step happens now, so that its dense output stayed valid.
  if (pending_ == Pending::ToStiff) toStiff();
  if (pending_ == Pending::ToRk45) toRk45();
  pending_ = Pending::None;
  if (stiff_) {
    const Exprb::Status s = exprb_->step();
    if (s == Exprb::Status::Failed) {
      status_ = Status::Failed;
      message_ = exprb_->message();
      return status_;
    }
    if (s == Exprb::Status::Finished) {
      status_ = Status::Finished;
      message_ = exprb_->message();
      return status_;
    }
    // The free top Ritz value of the step's Krylov basis (a lower bound on S, tight once the
    // basis resolves the top of the spectrum).
    const double ritz = exprb_->stats().sharpness;
    const double h = exprb_->stepSize();
    smallSteps_ = std::isfinite(ritz) && h * ritz < kToRk45 ? smallSteps_ + 1 : 0;
    if (smallSteps_ >= kWindow) {
      // A small basis may not have resolved the top of the spectrum yet: confirm with Lanczos
      // (cancelled: no decision; the step stands and the driver stops at its poll).
      double S;
      if (!estimateSharpness(S)) return status_;
      if (h * S < kToRk45) pending_ = Pending::ToRk45;
      smallSteps_ = 0;
    }
    return status_;
  }
  const Dopri5::Status s = rk45_->step();
  // DOPRI5's last right-hand side was at the accepted point (FSAL): make it the linearization
  // point, as after an exprb43 step (free: the evaluation slots swap).
  if (s != Dopri5::Status::Failed) system_.linearizeAtLastRhs();
  if (s == Dopri5::Status::Failed) {
    status_ = Status::Failed;
    message_ = rk45_->message();
    return status_;
  }
  if (s == Dopri5::Status::Finished) {
    status_ = Status::Finished;
    message_ = rk45_->message();
    return status_;
  }
  recent_.push_back(rk45_->stepSize());
  if (recent_.size() >= window_) {
    const bool notGrowing = recent_.back() < 2 * recent_.front();
    const bool hunting = rk45_->rejected() > rejectedAtWindowStart_;
    if (notGrowing && hunting) {
      // Cancelled: no decision (the window is kept); the step stands and the driver stops at its poll.
      double S;
      if (!estimateSharpness(S)) return status_;
      if (rk45_->stepSize() * S >= kToStiff) {
        pending_ = Pending::ToStiff;
      } else {
        // Not stiff: look again after twice as many steps (bounded), so that a long phase that
        // keeps looking suspicious costs O(log steps) estimates, not one per window.
        window_ = std::min(2 * window_, kMaxWindow);
      }
    }
    recent_.clear();
    rejectedAtWindowStart_ = rk45_->rejected();
  }
  return status_;
}

}  // namespace dln
