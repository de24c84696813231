// Quantities recorded along a trajectory (GD steps or flow times). A probe declares its columns
// in a Trace and appends one row per recording, reading the point through the Evaluator, which
// has just evaluated it with the gradient complete. Quantities are chosen by name, so runs,
// configs and the CLI share one vocabulary.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "control.hpp"
#include "evaluator.hpp"
#include "spectrum.hpp"
#include "trace.hpp"

namespace dln {

struct ProbeOptions {
  double rankTolerance = 1e-4;  // singular values above this count towards rank(A) (Jacot et al.)
  // How the spectral quantities (sharpness, sharpnessTopK, lambdaMin, spectralRadius,
  // sharpnessResidual, sharpnessHvps) are computed: spectrum.hpp.
  SharpnessOptions sharpness;
};

class Optimizer;

struct ProbeContext {
  ProbeContext(const Problem& problem, Evaluator& evaluator, const double* theta, const double* theta0,
               std::uint64_t step, double time, double loss, CancelFlag cancel = {})
      : problem(problem), evaluator(evaluator), theta(theta), theta0(theta0), step(step), time(time), loss(loss),
        cancel(cancel) {}
  const Problem& problem;
  Evaluator& evaluator;  // evaluated at theta, gradient complete
  const double* theta;
  const double* theta0;  // the run's initial point (for quantities relative to it)
  std::uint64_t step;
  double time;  // flow time, or eta * step for gradient descent
  double loss;
  CancelFlag cancel;                     // polled by probes whose work is long (the eigensolves)
  const Optimizer* optimizer = nullptr;  // the training rule, for its quantities (optimizers/quantities.hpp)
  // Plain gradient descent's eta (NaN elsewhere), for the orbit quantities (orbit.hpp).
  double learningRate = std::numeric_limits<double>::quiet_NaN();
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual void declare(Trace& trace) = 0;
  virtual void record(ProbeContext& context, Trace& trace) = 0;
};

// Names understood by makeProbe; see README "Recorded quantities" and diagnostics.hpp.
//   loss, testLoss, excessLoss, distance, distanceMean, gradNorm, singularValues, rank, nuclearNorm,
//   schatten2OverL, rankOneGap, layerNorms, singularSpread, alignment, balancedness, balancednessDrift,
//   residualNorms, lemma2Epsilon, sharpness, sharpnessTopK, lambdaMin, spectralRadius,
//   sharpnessResidual, sharpnessHvps, sharpnessPower
std::unique_ptr<Probe> makeProbe(const std::string& name, const Problem& problem, const ProbeOptions& options);
std::vector<std::string> knownQuantities();
// What a run records when the caller does not say: the loss and gradient norm; the test loss if
// there is a test set; the distance to w* (univariate) or the singular values of A (matrix heads).
std::vector<std::string> defaultQuantities(const Problem& problem);

// The spectral quantities (sharpness, sharpnessTopK, lambdaMin, spectralRadius, sharpnessResidual,
// sharpnessHvps) share one eigensolve per recording: makeProbes and makeSpectralProbe give one
// probe for all of those in `names` (sharpnessPower is separate: its own power iteration).
bool isSpectralQuantity(const std::string& name);
std::unique_ptr<Probe> makeSpectralProbe(const std::vector<std::string>& names, const Problem& problem,
                                         const ProbeOptions& options);
// Probes for `names` in order, duplicates dropped, the spectral ones as one probe at the position
// of the first.
std::vector<std::unique_ptr<Probe>> makeProbes(const std::vector<std::string>& names, const Problem& problem,
                                               const ProbeOptions& options);

}  // namespace dln
