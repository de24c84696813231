// Gradient descent W <- W - eta grad R(W) with a fixed learning rate.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "control.hpp"
#include "memory.hpp"
#include "optimizers/optimizer.hpp"
#include "probes.hpp"
#include "problem.hpp"
#include "run_status.hpp"
#include "trace.hpp"

namespace dln {

struct GdOptions {
  double learningRate = 0.0;
  std::uint64_t maxSteps = 0;
  // Record every k steps (0: only the initial and final points, which are always recorded).
  std::uint64_t recordEvery = 0;
  // Also record at log-spaced steps, this many per decade (the first step >= 10^(j/m) for
  // j = 0, 1, ...): the resolution log-time plots of saddle-to-saddle dynamics need. 0: off.
  std::uint64_t recordPerDecade = 0;
  std::vector<std::string> record;  // quantity names (probes.hpp); empty = defaultQuantities
  ProbeOptions probeOptions;
  // Early stops (status "converged"). Disabled at their defaults.
  double lossTarget = -std::numeric_limits<double>::infinity();
  double excessLossTarget = -std::numeric_limits<double>::infinity();  // loss - min
  double gradNormTarget = 0.0;
  // Divergence: a non-finite loss, or a loss above this ceiling. NaN = automatic:
  // 1e12 * max(1, initial loss).
  double lossCeiling = std::numeric_limits<double>::quiet_NaN();
  // The training rule (optimizers/optimizer.hpp; default "gd", plain gradient descent) and the
  // seed its batches and label noise are keyed by.
  OptimizerOptions optimizer;
  std::uint64_t seed = 0;
};

struct GdResult {
  RunStatus status = RunStatus::Completed;
  std::string message;
  std::uint64_t steps = 0;       // updates applied
  std::int64_t divergedAt = -1;  // the step whose loss was non-finite or above the ceiling
  std::vector<double> weights;   // final point (for a diverged run: the point that diverged)
  Trace trace;                   // columns "step", "time", then the recorded quantities
  double finalLoss = std::numeric_limits<double>::quiet_NaN();      // NaN when diverged
  double finalGradNorm = std::numeric_limits<double>::quiet_NaN();  // NaN when diverged
  MemoryReservation memory;  // the weights and trace held here, counted against the memory limit
};

// Validates the options (ERR_DLN_VALUE naming the field); with the problem, also the recorded
// quantities' names and options.
void validate(const GdOptions& options);
void validate(const GdOptions& options, const Problem& problem);

// Runs options.optimizer (default gd: plain gradient descent) by the training driver
// (optimizers/train.cpp).
GdResult gradientDescent(const Problem& problem, const std::vector<double>& theta0, const GdOptions& options,
                         RunControl& control);

}  // namespace dln
