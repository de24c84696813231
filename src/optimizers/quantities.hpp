// The optimizer quantities a run records (docs/algorithms.md §7.3); makeProbe (probes.cpp) asks
// here first. They read the rule through ProbeContext::optimizer (null outside the optimizer
// driver: gradient flow, plain GD).
//   stabilityEdge            the rule's threshold at this step (Optimizer::stabilityEdge; NaN: none)
//   preconditionedSharpness  lambda_max(P^{-1/2} H P^{-1/2}) with the rule's diagonal P at this step
//                            (P = I for rules without one: the sharpness), by Lanczos on exact HVPs
//   batchSharpness           the mean over the run's next m = min(ceil(n / b), 64) batches B of
//                            g_B^T H_B g_B / ||g_B||^2 (g_B, H_B the batch loss's gradient and Hessian,
//                            unshifted targets; Andreyev & Beneventano 2024); without batches, the
//                            full loss's g^T H g / ||g||^2
//   momentumNorm             ||b_t||, the momentum buffer the step at t applies (Optimizer::momentumNorm;
//                            NaN for rules without momentum)
//   secondMomentNorm         ||v_hat_t||, the bias-corrected second moment of Adam / RMSProp at step t
#pragma once

#include <memory>
#include <string>

#include "probes.hpp"

namespace dln {

bool isOptimizerQuantity(const std::string& name);
// Null when `name` is not one of them.
std::unique_ptr<Probe> makeOptimizerProbe(const std::string& name, const Problem& problem, const ProbeOptions& options);

}  // namespace dln
