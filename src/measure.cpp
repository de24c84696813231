#include "measure.hpp"

#include "error.hpp"
#include "evaluator.hpp"

namespace dln {

namespace {

std::vector<std::unique_ptr<Probe>> probesFor(const Problem& problem, const std::vector<std::string>& quantities,
                                              const ProbeOptions& options) {
  try {
    return makeProbes(quantities.empty() ? defaultQuantities(problem) : quantities, problem, options);
  } catch (const Error& e) {
    if (e.field() == "record") fail(e.code(), "quantities", e.detail());  // the probes' name for the list
    throw;
  }
}

}  // namespace

void validateQuantities(const Problem& problem, const std::vector<std::string>& quantities,
                        const ProbeOptions& options) {
  probesFor(problem, quantities, options);
}

Trace measure(const Problem& problem, const std::vector<double>& theta, const std::vector<std::string>& quantities,
              const ProbeOptions& options, CancelFlag cancel) {
  const std::size_t P = problem.spec().paramCount();
  if (theta.size() != P) {
    fail(ErrorCode::Shape, "weights",
         "expected " + std::to_string(P) + " parameters, got " + std::to_string(theta.size()));
  }
  auto probes = probesFor(problem, quantities, options);
  Trace trace;
  for (auto& p : probes) p->declare(trace);
  Evaluator evaluator(problem);
  const double loss = evaluator.evaluate(theta.data());
  evaluator.completeGradient();
  ProbeContext context(problem, evaluator, theta.data(), theta.data(), 0, 0.0, loss, cancel);
  for (auto& p : probes) p->record(context, trace);
  return trace;
}

}  // namespace dln
