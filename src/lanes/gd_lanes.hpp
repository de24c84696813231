// Gradient descent runs of one problem advanced together in SIMD lanes (docs/algorithms.md §4.8).
//
// A sweep's runs on one Problem (the repetitions of a grid point, or the scales and learning rates
// of one model) differ only in their initial point and options. Each plain GD step of the common
// case (univariate regression, no L2: the Marion–Chizat setup) is a chain of small dependent
// mat-vecs, latency-bound for one run; with the runs laid out structure-of-arrays (parameter p of
// lane k at p * W + k, W lanes per group) one vector operation does the same scalar operation for
// W runs, and the chain's latency is shared.
//
// Invariant (a test): every lane performs exactly the floating-point operations of the single-run
// path (src/optimizers/train.cpp, rule gd: Evaluator::evaluate, then Evaluator::completeGradientAndStep or completeGradient +
// step, kernels.cpp's r = 1 loops), in the same order, so each run's result -- status, steps,
// weights, trace -- has the same bits as gradientDescent() on the same machine. Recordings are
// made per lane by the single-run code itself: the lane's point is copied out, a scalar Evaluator
// evaluates it (bitwise the lane's loss) and the run's own RunRecorder records the row; probes
// (the Lanczos eigensolves) therefore behave exactly as in a single run. The exceptions:
// sharpnessPower, the reference code's power iteration (20 products from a fresh Gaussian start
// at every row of the paper's schedule, which dominates its cost): the lanes recording it at a
// step run their power iterations together (LaneGroup::powerIteration: one product for every lane
// per vector operation, the starts drawn per lane from the single run's streams) and the recorder
// takes the estimate as a driver column, with the same bits as the single run's probe; and a run
// whose rows read only the loss, the distances to w* and sharpnessPower (rowsFromLanes: the
// paper's schedule), whose rows take them from the lane's own evaluation, the point copied out and
// evaluated by the scalar Evaluator only at the run's end (the weights and the final gradient norm).
//
// Each lane has its own learning rate, initial point, step budget, targets, ceiling, recording
// schedule and quantities; a lane whose run ends (budget, target, divergence) takes the next
// pending run. Runs the lanes do not support (laneIneligibility) run by gradientDescent() in the
// same call, so a caller may pass any runs.
#pragma once

#include <string>
#include <vector>

#include "control.hpp"
#include "gd.hpp"
#include "problem.hpp"

namespace dln::lanes {

struct LaneRun {
  std::vector<double> theta0;
  GdOptions options;
};

// Why a run cannot go in lanes ("" when it can). The rule: plain gradient descent (optimizer kind
// "gd", no optimizer quantities recorded), no gradient-norm target, a univariate head (regression)
// without L2 penalty, and every layer below the matrix-vector BLAS threshold
// (rows * cols < kernels::gemvThreshold()), where the single-run path uses its own loops.
std::string laneIneligibility(const Problem& problem, const GdOptions& options);

// Lanes per group of the kernel in use.
std::size_t laneWidth();

// Whether a run's rows read nothing but the lane step's own values, so that a row that does not
// end the run is recorded without copying the lane's point out or evaluating it again: "loss" is
// the row context's loss (probes.cpp), which is the lane's evaluate() -- bitwise
// Evaluator::evaluate --, sharpnessPower the batched power iteration's column, distance and
// distanceMean (regression) the probes' arithmetic on the lane's end-to-end vector (bitwise
// Evaluator::endToEnd), step and time the counter's. The paper's schedule records loss, distance
// and sharpnessPower. Anything else (the default quantities, gradNorm, the eigensolves) reads the
// evaluator or the point.
bool rowsFromLanes(const Problem& problem, const GdOptions& options);

// What one call did (tests, benchmarks): steps of the lane group, its batched power iterations,
// lane-steps spent idle by a run waiting for its phase (see gd_lanes.cpp, startsNow).
struct LaneStats {
  std::uint64_t groupSteps = 0;
  std::uint64_t powerIterations = 0;
  std::uint64_t waitingLaneSteps = 0;
};

// Runs every run to its end; result i belongs to runs[i] and has the bits gradientDescent() gives.
// One control for all: cancellation ends every unfinished run with status "cancelled" (runs not
// started yet end at step 0 with no rows). Progress counts the steps of all runs. A run recording
// sharpnessPower every e steps may wait up to e - 1 steps for a lane in phase with the others.
std::vector<GdResult> gradientDescentLanes(const Problem& problem, const std::vector<LaneRun>& runs,
                                           RunControl& control, LaneStats* stats = nullptr);

}  // namespace dln::lanes
