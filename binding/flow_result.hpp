// The continuous drivers' results as JS sees them: flow() (src/flow.hpp) and the central flow
// (src/central_flow.hpp) return one shape, written here once:
//   { status, message, t, weights, trace,
//     stats: { nfev, accepted, rejected, extraEvaluations, lastStepSize, <the driver's counters> },
//     <the driver's own fields>, balancednessDrift, finalLoss, finalGradNorm,
//     events: [{ index, name, quantity, direction, threshold, terminal, t, step }] }
// The gradient flow's counters are its method and the stiff methods' products; the central flow's
// are its edge evaluations and products, and its own fields edgeChecks, edgeCount, transitions.
// `events` are the options' event specs (a hit names one by index). The trace's values move out
// of `r` (and its memory reservation with them). Test: test/flow-result-shape.test.ts.
#pragma once

#include <napi.h>

#include <vector>

#include "central_flow.hpp"
#include "flow.hpp"

namespace binding {

Napi::Object FlowResultToJs(Napi::Env env, dln::FlowResult& r, const std::vector<dln::FlowEventSpec>& events);
Napi::Object CentralFlowResultToJs(Napi::Env env, dln::CentralFlowResult& r,
                                   const std::vector<dln::FlowEventSpec>& events);

}  // namespace binding
