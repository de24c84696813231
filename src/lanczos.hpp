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

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "control.hpp"
#include "hessian.hpp"
#include "memory.hpp"
#include "rng.hpp"

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
  CancelFlag cancel;             // polled before every product (ErrorCode::Cancelled)
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

// A Ritz pair candidate: its value, its residual estimate, and where its vector lives (block
// number, index in that block's ascending eigenvalues).
struct RitzPair {
  double value, residual;
  std::size_t block, index;
};

// The roles lanczos() is made of, each testable on its own (test/native/lanczos_test.cpp):
//   begin     the first basis vector (a warm start plus noise, or random), normalized;
//   extend    one product w = H q_m, alpha_m = q_m^T w, w orthogonalized against the basis
//             (classical Gram-Schmidt, twice when the first pass cancels); returns the coupling
//             beta_m = ||w|| to the next vector;
//   ritzPairs the Ritz values of every block with their residual estimates (closed blocks final;
//             the open block's |beta_m s_{last,i}|), sorted by value, descending;
//   converged the stopping rule of the header above;
//   advance   no breakdown: the next basis vector w / beta_m;
//   restart   a breakdown: the open block is closed (an invariant subspace, its Ritz values exact
//             to the dropped beta) and a new one starts from a random vector orthogonal to the
//             basis;
//   extract   the k largest pairs, the smallest value, and the Ritz vectors (from the basis and
//             each block's tridiagonal eigenvectors).
// The basis splits into blocks at each breakdown, so T is block diagonal; only the open block's
// tridiagonal matrix is decomposed at each step, and only for the last row of its eigenvectors.
class LanczosProcess {
 public:
  // Room for maxBasis + 1 basis vectors, reserved against the memory limit (ERR_DLN_MEMORY on
  // "maxIterations").
  LanczosProcess(SymmetricOperator& op, std::size_t maxBasis);

  void begin(const double* start, double startNoise, Rng& rng);
  double extend();
  const std::vector<RitzPair>& ritzPairs(double beta);
  // Call after ritzPairs(beta).
  bool converged(const LanczosOptions& options, double beta) const;
  // beta is negligible: the open block spans an invariant subspace.
  bool breakdown(double beta) const;
  void advance(double beta);
  // False if no direction orthogonal to the basis is left (the basis spans the space).
  bool restart(double beta, Rng& rng);
  void extract(std::size_t k, bool wantVectors, LanczosResult& result);

  // A residual passes the test: residual <= max(tol |value|, kLanczosNegligible ||T||).
  static bool accepted(double value, double residual, double tol, double normEstimate) {
    return residual <= std::max(tol * std::fabs(value), kLanczosNegligible * normEstimate);
  }

  std::size_t size() const { return m_; }  // basis vectors extended so far
  std::size_t dimension() const { return n_; }
  const double* basisVector(std::size_t i) const { return Q_.data() + i * n_; }
  const std::vector<double>& alpha() const { return alpha_; }
  const std::vector<double>& beta() const { return beta_; }  // 0 where a block was closed
  // Max row sum of |T|, an estimate of ||H||: between ||T||_2 and sqrt(3) ||T||_2 <= sqrt(3) ||H||.
  double normEstimate() const { return tNorm_; }
  std::size_t products() const { return products_; }
  std::size_t restarts() const { return restarts_; }
  std::size_t closedBlocks() const { return finished_.size(); }

 private:
  struct Block {
    std::size_t start = 0, length = 0;
    std::vector<double> values, residuals;  // ascending
  };
  void collectClosed();

  SymmetricOperator& op_;
  std::size_t n_;
  std::vector<double> Q_, w_, c_, alpha_, beta_;
  std::vector<Block> finished_;
  std::vector<double> values_, lastRow_;  // the open block's Ritz values and last eigenvector row
  std::vector<RitzPair> candidates_;
  std::size_t blockStart_ = 0, m_ = 0;
  double tNorm_ = 0.0;
  std::size_t products_ = 0, restarts_ = 0;
  MemoryReservation memory_;
};

// The Marion-Chizat reference code's estimate (utils.largest_eigenvalue): a normal start,
// `iterations` steps of v <- Hv / ||Hv||, returning the norm ||Hv|| of the second-to-last step.
// It estimates the spectral radius max |lambda|, not lambda_max.
struct PowerResult {
  double estimate = 0.0;  // the reference code's returned value
  double last = 0.0;      // the norm of the last step
  std::size_t products = 0;
};
// `cancel` is polled before every product.
PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream = 0,
                           CancelFlag cancel = {});
// The same with caller-owned buffers, for repeated calls along a run (no allocation per call).
struct PowerWorkspace {
  std::vector<double> v, hv;
};
PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           PowerWorkspace& work, CancelFlag cancel = {});

}  // namespace dln
