// Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalization
// (classical Gram-Schmidt twice when the first pass cancels: the DGKS test). A Ritz pair is
// converged when its residual ||H y - theta y|| = |beta_j s_{j,i}| <= max(tol |theta_i|, nu),
// nu = kLanczosNegligible * ||T||: the relative test, with an absolute floor at the accuracy
// rounding allows (eigenvalues near 0 cannot be resolved relative to themselves; without the
// floor a zero eigenvalue would never converge). "Largest" means largest algebraic: the
// sharpness (docs/algorithms.md §2.1), never the largest magnitude.
//
// Breakdown (beta <= nu: an invariant subspace) happens at the origin (H = 0 for L >= 3), at
// minimizers of univariate regression (H = 2 J^T Sigma J has rank <= d_0) and at symmetric points.
// The block found is kept (its Ritz values are exact to the dropped beta) and the iteration
// continues from a fresh random vector orthogonal to the basis while more is wanted. A
// single-vector Krylov space holds one vector per eigenspace, so a repeated eigenvalue shows up
// once per block: for k > 1, after a breakdown the solve goes on block by block until a new
// block's top adds nothing to the top k, which recovers multiplicities at exact breakdowns
// (e.g. +-sigma_i with multiplicity w at the L = 2 origin). Without a breakdown, top-k is
// guaranteed for distinct eigenvalues (a multiplicity is then found only through rounding);
// top-1 is always right.
#pragma once

#include <cstdint>
#include <vector>

#include "hessian.hpp"

namespace dln {

// Relative size (to ||T||) below which a coupling beta is a breakdown and a residual is at the
// rounding floor.
constexpr double kLanczosNegligible = 1e-12;
// Default iteration cap (also capped by the dimension).
constexpr std::size_t kLanczosDefaultMaxIterations = 300;

struct LanczosOptions {
  std::size_t k = 1;             // how many of the largest eigenvalues
  double tol = 1e-10;            // relative Ritz residual
  std::size_t maxIterations = 0; // 0: min(dimension, 300)
  bool smallest = false;         // also converge the smallest eigenvalue
  std::uint64_t seed = 0;        // start vector stream (Purpose::Eigensolver)
  std::uint64_t stream = 0;
  const double* start = nullptr; // warm start (e.g. the previous Ritz vector)
  double startNoise = 1e-3;      // relative random perturbation added to a warm start
  bool wantVectors = true;
};

struct LanczosResult {
  std::vector<double> values;     // k largest, descending
  std::vector<double> residuals;  // their Ritz residuals ||H y - theta y||
  std::vector<double> vectors;    // k x n, row i the unit Ritz vector of values[i] (if wanted)
  double smallest = 0.0;          // smallest Ritz value (converged if options.smallest)
  double smallestResidual = 0.0;
  std::size_t iterations = 0;
  std::size_t products = 0;       // operator applications
  std::size_t restarts = 0;       // breakdowns continued from a fresh vector
  bool converged = false;
};

LanczosResult lanczos(SymmetricOperator& op, const LanczosOptions& options);

// The Marion-Chizat reference code's estimate (utils.largest_eigenvalue): a normal start,
// `iterations` steps of v <- Hv / ||Hv||, returning the norm ||Hv|| of the second-to-last step.
// It estimates the spectral radius max |lambda|, not lambda_max.
struct PowerResult {
  double estimate = 0.0;  // the reference code's returned value
  double last = 0.0;      // the norm of the last step
  std::size_t products = 0;
};
PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream = 0);
// The same with caller-owned buffers, for repeated calls along a run (no allocation per call).
struct PowerWorkspace {
  std::vector<double> v, hv;
};
PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           PowerWorkspace& work);

}  // namespace dln
