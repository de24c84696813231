// Recorded quantities of the edge-of-stability analysis (docs/central-flow.md §6), made by
// makeProbe (probes.cpp) under their names:
//   sharpnessGradientNorm  |grad S| = |D^3R[u, u, .]| for the top eigenpair (sharpness_gradient.hpp),
//                          with the run's spectral options (tol, maxIterations, seed); NaN where the
//                          top eigenvalue is not simple to the relative gap 1e-6 (grad S is then
//                          not defined) or Lanczos does not converge.
//   gfsSharpness           the sharpness of the gradient flow's limit from the current point
//                          (Kreisler et al., ICML 2023): gradient flow (flow.hpp, rtol 1e-8,
//                          atol 1e-12) until |grad R| <= 1e-7 max(|grad R(theta)|, |grad R(theta0)|),
//                          then Lanczos at the limit, warm-started from the previous recording's
//                          limit. NaN when the flow does not get there within 10^5 accepted steps.
//   layerImbalance         max_l |W_{l+1}^T W_{l+1} - W_l W_l^T|_F (Frobenius; 0 for L = 1), the
//                          quantity gradient flow conserves and gradient descent shrinks
//                          (balancednessDrift is its change from theta0; balancedness its per-layer
//                          spectral norms).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "probes.hpp"

namespace dln {

// The names above, in that order.
std::vector<std::string> edgeQuantities();
// The probe for one of edgeQuantities(), or null for any other name.
std::unique_ptr<Probe> makeEdgeProbe(const std::string& name, const Problem& problem, const ProbeOptions& options);

}  // namespace dln
