// The recordable quantities (probes.hpp) at one point, outside any run: what `dlnflow inspect`
// shows and what measure() of the Node API returns. The same probes a run records, so a number
// measured here equals the one a run records at the same point. The point is its own initial
// point: quantities relative to theta0 (balancednessDrift, residualNorms, lemma2Epsilon) read
// theta0 = theta; step and time are 0.
#pragma once

#include <string>
#include <vector>

#include "control.hpp"
#include "probes.hpp"
#include "problem.hpp"
#include "trace.hpp"

namespace dln {

// Checks the names (ERR_DLN_VALUE on "quantities") and the probe options (their own fields, e.g.
// "sharpness.k") without measuring.
void validateQuantities(const Problem& problem, const std::vector<std::string>& quantities,
                        const ProbeOptions& options);

// One row holding the quantities in the order asked (duplicates dropped; empty: defaultQuantities).
// ERR_DLN_SHAPE on "weights" for a wrong length; `cancel` reaches the eigensolves
// (ErrorCode::Cancelled).
Trace measure(const Problem& problem, const std::vector<double>& theta, const std::vector<std::string>& quantities,
              const ProbeOptions& options, CancelFlag cancel = {});

}  // namespace dln
