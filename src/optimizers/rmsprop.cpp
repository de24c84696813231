// rmsprop: v <- beta2 v + (1 - beta2) g^2, theta <- theta - eta g / (sqrt(v / (1 - beta2^k)) + eps):
// Adam without the first moment (adaptive.hpp with beta1 = 0, where m = g exactly), with the bias
// correction of the second (Cohen et al. 2022's RMSProp; docs/algorithms.md §7.2). Its edge: 2/eta
// on the preconditioned sharpness.
#include "optimizers/adaptive.hpp"

namespace dln {

const OptimizerRule& rmspropRule() {
  static const OptimizerRule rule{"rmsprop",
                                  {{"beta2", FieldType::Number, 0.99, 0, 1, false, true},
                                   {"eps", FieldType::Number, 1e-8, 0, 1.7976931348623157e308, true, false}},
                                  [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> {
                                    return std::make_unique<AdaptiveMoments>(s, 0.0, s["beta2"], s["eps"]);
                                  },
                                  nullptr};
  return rule;
}

}  // namespace dln
