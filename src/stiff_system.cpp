#include "stiff_system.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace dln {

DlnHessianSystem::DlnHessianSystem(const Problem& problem)
    : n_(problem.spec().paramCount()), lin_(std::make_unique<Slot>(problem)), stage_(std::make_unique<Slot>(problem)) {
  lin_->point.assign(n_, 0.0);
  stage_->point.assign(n_, 0.0);
}

void DlnHessianSystem::rhs(const double* y, double* f) {
  std::copy(y, y + n_, stage_->point.begin());
  stage_->flow.rhs(stage_->point.data(), f);
  stage_->evaluated = true;
}

void DlnHessianSystem::linearize(const double* y, double* f) {
  std::copy(y, y + n_, lin_->point.begin());
  lin_->flow.rhs(lin_->point.data(), f);
  lin_->evaluated = true;
}

double DlnHessianSystem::evaluateAt(const double* y) {
  std::copy(y, y + n_, stage_->point.begin());
  stage_->evaluated = true;
  return stage_->flow.evaluateAt(stage_->point.data());
}

bool DlnHessianSystem::linearizedAt(const double* y) const {
  return lin_->evaluated && std::memcmp(lin_->point.data(), y, n_ * sizeof(double)) == 0;
}

void DlnHessianSystem::linearizeAtLastRhs() { std::swap(lin_, stage_); }

void DlnHessianSystem::hessianTimes(const double* v, double* out) { lin_->hessian.apply(v, out); }

}  // namespace dln
