#include "losses/loss.hpp"

#include "error.hpp"

namespace dln {

double Loss::batchValueAndGradient(const std::size_t*, std::size_t, const double*, const double*, double*) const {
  fail(ErrorCode::Value, "optimizer", std::string("the ") + name() + " loss has no mini-batches");
}

void Loss::batchHessianAction(const std::size_t*, std::size_t, const double*, double*) const {
  fail(ErrorCode::Value, "optimizer", std::string("the ") + name() + " loss has no mini-batches");
}

}  // namespace dln
