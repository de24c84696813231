#include "events.hpp"

#include "error.hpp"

namespace dln {

QuantityEvent::QuantityEvent(const FlowEventSpec& spec, const Problem& problem, const ProbeOptions& probeOptions)
    : spec_(spec) {
  try {
    probe_ = makeProbe(spec.quantity, problem, probeOptions);
  } catch (const Error& e) {
    fail(e.code(), spec.field, e.detail());
  }
  probe_->declare(scratch_);
  if (scratch_.column(0).width != 1) {
    fail(ErrorCode::Value, spec.field, "'" + spec.quantity + "' is not a scalar quantity");
  }
}

double QuantityEvent::operator()(ProbeContext& c) {
  scratch_.clearRows();
  probe_->record(c, scratch_);
  return scratch_.column(0).values.front() - spec_.threshold;
}

}  // namespace dln
