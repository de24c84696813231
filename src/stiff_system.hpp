// What the stiff gradient-flow steppers (rkc.hpp, exprb.hpp) need from the flow beyond a
// right-hand side: exact products with the Jacobian. For y' = f(y) = -grad R(y) the Jacobian is
// -H, H the Hessian of R, symmetric (real spectrum, indefinite near saddles); products with H
// are exact Hessian-vector products (hessian.hpp), about two gradients each.
//
// The system keeps one linearization point, where H is taken, apart from the points where the
// stepper only evaluates f (stages). An exponential stepper interleaves the two: Krylov products
// at y_n, then f at a stage point, then products at y_n again; a stabilized explicit stepper
// only needs H at y_n for its spectral bound. After an accepted step the point of the last
// right-hand side is y_{n+1}; linearizeAtLastRhs() makes it the next linearization point for
// free (no re-evaluation). docs/stiff-integration.md §2.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "dopri5.hpp"
#include "flow.hpp"
#include "hessian.hpp"
#include "problem.hpp"

namespace dln {

class HessianOdeSystem : public OdeSystem {
 public:
  // rhs(y, f) (from OdeSystem) evaluates f at a stage point and never moves the linearization point.
  // Makes y the linearization point and writes f(y) (one gradient).
  virtual void linearize(const double* y, double* f) = 0;
  // Makes the point of the last rhs() call the linearization point; its f is what rhs() wrote.
  virtual void linearizeAtLastRhs() = 0;
  // out = H v, H = -df/dy at the linearization point.
  virtual void hessianTimes(const double* v, double* out) = 0;
};

// The deep-linear-network gradient flow: two evaluation slots (each an evaluator with its own
// copy of its point, and a Hessian operator on it), one holding the linearization point, the
// other the last stage point; linearizeAtLastRhs() swaps them. f is GradientFlowSystem's
// (bitwise the RK45 flow's right-hand side).
class DlnHessianSystem final : public HessianOdeSystem {
 public:
  explicit DlnHessianSystem(const Problem& problem);
  std::size_t dimension() const override { return n_; }
  void rhs(const double* y, double* f) override;
  void linearize(const double* y, double* f) override;
  void linearizeAtLastRhs() override;
  void hessianTimes(const double* v, double* out) override;

  // The evaluator at the linearization point (after an accepted step: the accepted point), with
  // its gradient complete: what probes read.
  Evaluator& evaluator() { return lin_->flow.evaluator(); }
  double loss() const { return lin_->flow.loss(); }  // at the linearization point
  const double* point() const { return lin_->point.data(); }
  // Loss and complete gradient at y on the stage slot, for dense-output points between steps (no
  // stepper evaluates anything in dense()); stageEvaluator() then holds y.
  double evaluateAt(const double* y);
  Evaluator& stageEvaluator() { return stage_->flow.evaluator(); }
  // The linearization slot holds y (same bits), evaluated with its gradient complete: then
  // evaluator() and loss() are at y and probes can read them without a new evaluation. (Before
  // the first linearization -- AutoStepper starts with RK45 on the stage slot -- it holds nothing.)
  bool linearizedAt(const double* y) const;
  // Gradients evaluated on both slots (right-hand sides, linearizations, evaluateAt).
  std::uint64_t evaluations() const { return lin_->flow.evaluations() + stage_->flow.evaluations(); }

 private:
  struct Slot {
    explicit Slot(const Problem& problem) : flow(problem), hessian(flow.evaluator()) {}
    GradientFlowSystem flow;
    HessianOperator hessian;
    std::vector<double> point;  // the evaluator reads its theta from here
    bool evaluated = false;     // the evaluator holds `point`
  };
  std::size_t n_;
  std::unique_ptr<Slot> lin_, stage_;
};

}  // namespace dln
