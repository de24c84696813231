// Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalization
// (classical Gram-Schmidt twice when the first pass cancels: the DGKS test). Convergence is the
// Ritz residual ||H y - theta y|| = |beta_j s_{j,i}| <= tol * max(|theta_i|, floor), with the
// floor eps^{2/3} ||T|| as in ARPACK and Spectra. "Largest" means largest algebraic: the
// sharpness of DESIGN.md, never the largest magnitude.
//
// A single-vector Krylov space holds one vector per eigenspace: a repeated eigenvalue is found
// once (its multiplicity only by rounding). Top-1 is always right; top-k is guaranteed for
// distinct eigenvalues. At an invariant subspace (breakdown, e.g. H = 0 at the origin for L >= 3,
// or a Hessian of tiny rank at a univariate minimizer) the iteration continues from a fresh
// random vector orthogonal to the basis while more eigenvalues are wanted.
#pragma once

#include <cstdint>
#include <vector>

#include "hessian.hpp"

namespace dln {

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

}  // namespace dln
