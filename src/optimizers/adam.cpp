// adam (Kingma & Ba 2015, bias-corrected): the update of adaptive.hpp (docs/algorithms.md §7.2).
#include "optimizers/adaptive.hpp"

namespace dln {

const OptimizerRule& adamRule() {
  static const OptimizerRule rule{"adam",
                                  {{"beta1", FieldType::Number, 0.9, 0, 1, false, true},
                                   {"beta2", FieldType::Number, 0.999, 0, 1, false, true},
                                   {"eps", FieldType::Number, 1e-8, 0, 1.7976931348623157e308, true, false}},
                                  [](const OptimizerSetup& s) -> std::unique_ptr<Optimizer> {
                                    return std::make_unique<AdaptiveMoments>(s, s["beta1"], s["beta2"], s["eps"]);
                                  },
                                  nullptr};
  return rule;
}

}  // namespace dln
