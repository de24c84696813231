// Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalization
// (classical Gram-Schmidt twice when the first pass cancels: the DGKS test), or, for the top-1
// solve in its first block, partial reorthogonalization (the same Gram-Schmidt only when Simon's
// estimate of the lost orthogonality passes sqrt(eps), against the top Ritz vector alone when its
// convergence explains the loss: docs/algorithms.md §2.2). A Ritz pair is
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
#include <memory>
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

// A Ritz pair candidate: its value, its residual estimate, and where its vector lives (block
// number, index in that block's ascending eigenvalues).
struct RitzPair {
  double value, residual;
  std::size_t block, index;
};

// Buffers a LanczosProcess borrows and gives back, so that repeated solves along a trajectory
// (a recording per step) allocate nothing once the first solve has sized them.
struct LanczosWorkspace {
  // The basis: rows are written before they are read, so it is never zero-filled.
  std::unique_ptr<double[]> Q;
  std::size_t capacity = 0;  // doubles in Q
  std::vector<double> w, c, alpha, beta, pivots, topVector, omega, omegaOld, ritzVector;
  std::vector<RitzPair> candidates;
  // A buffer for the next result's Ritz vectors (LanczosResult::vectors takes it over), which a
  // caller may hand back after use, e.g. the previous recording's start vector.
  std::vector<double> vectors;
};

struct LanczosOptions {
  std::size_t k = 1;              // how many of the largest eigenvalues
  double tol = 1e-10;             // relative Ritz residual
  std::size_t maxIterations = 0;  // 0: min(dimension, 300)
  bool smallest = false;          // also converge the smallest eigenvalue
  std::uint64_t seed = 0;         // start vector stream (Purpose::Eigensolver)
  std::uint64_t stream = 0;
  const double* start = nullptr;  // warm start (e.g. the previous Ritz vector)
  double startNoise = 1e-3;       // relative random perturbation added to a warm start
  bool wantVectors = true;
  CancelFlag cancel;                      // polled before every product (ErrorCode::Cancelled)
  LanczosWorkspace* workspace = nullptr;  // reused buffers (results do not depend on it)
};

struct LanczosResult {
  std::vector<double> values;     // k largest, descending
  std::vector<double> residuals;  // their Ritz residuals ||H y - theta y||
  std::vector<double> vectors;    // k x n, row i the unit Ritz vector of values[i] (if wanted)
  double smallest = 0.0;          // smallest Ritz value (converged if options.smallest; NaN if
  double smallestResidual = 0.0;  // not asked for and k = 1)
  std::size_t iterations = 0;
  std::size_t products = 0;  // operator applications
  std::size_t restarts = 0;  // breakdowns continued from a fresh vector
  bool converged = false;
};

LanczosResult lanczos(SymmetricOperator& op, const LanczosOptions& options);

// The top eigenvalue of a symmetric tridiagonal T_m (diagonal a[0..m), couplings b[0..m-1), all
// nonzero) from that of its leading block T_{m-1}: mu, and the square of the last component of
// its unit eigenvector, lastSquared. With sign = -1 the same for -T (the smallest eigenvalue,
// negated). O(m) per Newton step instead of an O(m^2) tridiagonal eigensolve per Lanczos step:
// the last pivot of the LDL^T factorization of T_m - x I, d_m(x) (d_1 = a_1 - x,
// d_k = a_k - x - b_{k-1}^2 / d_{k-1}), is convex and decreasing on (mu, inf) with its one root
// at theta_max(T_m) (interlacing), so Newton's method from a point left of the root climbs to it
// monotonically. The start is the Ritz value of T_m on span{(s, 0), e_m}, a lower bound accurate
// to second order in the coupling b_{m-1} s_{m-1} (when it is within rounding of mu, a Ritz
// value converged to the last bits, it is the answer). Far from the root the steps keep d_m's
// pole at mu, whose weight b_{m-1}^2 muLastSquared is known, and linearize only the rest (still
// from the left, and at least as close as Newton's: about 1.6 evaluations per call instead of
// 2.6 along the benchmark's solves, scripts/native/bench_ritz.cpp). The last component comes
// from the derivative, s_m^2 = 1 / -d_m'(theta), while it is not small, else from the twisted
// factorization at the root (stable for a small last component), in one bottom-up pass that
// reuses the last evaluation's top-down pivots; `vector`, if given, receives the eigenvector
// (m values, unit norm; tridiagonalEigenvector). `pivots` has room for 2m values. The pivots are
// ratios of leading minors (no division on the serial chain), kept within range by exact
// rescaling for entries and mu within 2^+-100 in magnitude: the window lanczos() calls it in
// (outside it, the full decomposition).
struct ExtremeRitz {
  double value, lastSquared;
  int evaluations = 0;  // of d_m (the cost: O(m) each)
};
ExtremeRitz extremeRitzUpdate(std::size_t m, const double* a, const double* b, double sign, double mu,
                              double muLastSquared, double* pivots, double* vector = nullptr);
// The unit eigenvector of sign T (m x m, as above) at its simple eigenvalue x, by the twisted
// factorization; returns the square of its last component and writes it to `vector` if given.
// `pivots` has room for 2m values.
double tridiagonalEigenvector(std::size_t m, const double* a, const double* b, double sign, double x, double* pivots,
                              double* vector = nullptr);

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
  // With a workspace, its buffers are borrowed and given back on destruction.
  LanczosProcess(SymmetricOperator& op, std::size_t maxBasis, LanczosWorkspace* workspace = nullptr);
  ~LanczosProcess();
  LanczosProcess(const LanczosProcess&) = delete;
  LanczosProcess& operator=(const LanczosProcess&) = delete;
  // What converged() will be asked: with k = 1, ritzPairs follows only the open block's top (and,
  // if `smallest`, bottom) pair by extremeRitzUpdate, O(m) per step; the full decomposition runs
  // only where a block closes and in extract (so the values reported are the same). Default:
  // every pair, every step.
  void track(std::size_t k, bool smallest);

  void begin(const double* start, double startNoise, Rng& rng);
  double extend();
  const std::vector<RitzPair>& ritzPairs(double beta);
  // Call after ritzPairs(beta).
  bool converged(const LanczosOptions& options, double beta) const;
  // beta is negligible: the open block spans an invariant subspace.
  bool breakdown(double beta) const;
  void advance(double beta);  // settles first
  // Applies a reorthogonalization of w that partial reorthogonalization deferred (extend) and
  // returns the coupling beta_m after it (beta itself when none is pending). advance() and
  // restart() call it; call it before breakdown() when w may become a basis vector.
  double settle(double beta);
  // False if no direction orthogonal to the basis is left (the basis spans the space).
  bool restart(double beta, Rng& rng);
  void extract(std::size_t k, bool wantVectors, LanczosResult& result);

  // A residual passes the test: residual <= max(tol |value|, kLanczosNegligible ||T||).
  static bool accepted(double value, double residual, double tol, double normEstimate) {
    return residual <= std::max(tol * std::fabs(value), kLanczosNegligible * normEstimate);
  }

  std::size_t size() const { return m_; }  // basis vectors extended so far
  std::size_t dimension() const { return n_; }
  const double* basisVector(std::size_t i) const { return Q_.get() + i * n_; }
  const std::vector<double>& alpha() const { return alpha_; }
  const std::vector<double>& beta() const { return beta_; }  // 0 where a block was closed
  // Max row sum of |T|, an estimate of ||H||: between ||T||_2 and sqrt(3) ||T||_2 <= sqrt(3) ||H||.
  double normEstimate() const { return tNorm_; }
  std::size_t products() const { return products_; }
  std::size_t restarts() const { return restarts_; }
  std::size_t closedBlocks() const { return finished_.size(); }
  // Full reorthogonalizations done (every step but the first without partial reorthogonalization).
  std::size_t reorthogonalizations() const { return reorthogonalizations_; }
  // How a request of the partial reorthogonalization is met in a top-1 solve without the smallest
  // pair: against the top Ritz vector when its convergence explains the loss, else against the
  // whole basis (Selective, the default); always against the whole basis (Full, as before
  // selective orthogonalization); or not at all (Ignore: the tests' false case, the loss left).
  enum class Requests { Selective, Full, Ignore };
  void setRequests(Requests r) { requests_ = r; }
  // Requests met by selective orthogonalization (included in reorthogonalizations()).
  std::size_t selectiveOrthogonalizations() const { return selectiveOrthogonalizations_; }

 private:
  struct Block {
    std::size_t start = 0, length = 0;
    std::vector<double> values, residuals;  // ascending
  };
  void collectClosed();
  void fullRitz(double beta);
  void growBasis();
  bool fastWindow() const;

  SymmetricOperator& op_;
  std::size_t n_;
  std::unique_ptr<double[]> Q_;
  std::size_t capacity_ = 0;  // doubles in Q_
  std::vector<double> w_, c_, alpha_, beta_;
  std::vector<Block> finished_;
  std::vector<double> values_, lastRow_;  // the open block's Ritz values and last eigenvector row
  std::vector<RitzPair> candidates_;
  std::size_t blockStart_ = 0, m_ = 0, rows_ = 0;
  double tNorm_ = 0.0;
  std::size_t products_ = 0, restarts_ = 0;
  // extremeRitzUpdate's state for the open block (track(1, ...)): its top and bottom Ritz values
  // and the squares of their eigenvectors' last components, and whether the pairs of the
  // current step came from the full decomposition.
  bool fast_ = false, fastSmallest_ = false, full_ = false;
  double top_ = 0.0, topLast2_ = 1.0, low_ = 0.0, lowLast2_ = 1.0, lastBeta_ = 0.0;
  std::vector<double> pivots_, topVector_;  // scratch; the open block's top eigenvector of T
  // Partial reorthogonalization (extend()): omega_[k] estimates q_m^T q_k, omegaOld_[k] the same
  // for q_{m-1}; forceNext_ makes the step after a triggered reorthogonalization one too.
  std::vector<double> omega_, omegaOld_;
  bool forceNext_ = false, pending_ = false;
  std::size_t reorthogonalizations_ = 0;
  double partialStep(std::size_t j, double a, double bPrev, double recurrenceNorm);
  bool partialReorthogonalization() const { return fast_ && finished_.empty() && blockStart_ == 0; }
  // The top-1 solve without the smallest pair: a request of the estimates orthogonalizes against
  // the top Ritz vector only (settle), when this step's top pair is known (ritzPairs ran), ||T||
  // is inside the window where tridiagonalEigenvector takes its pivots from minors, and the top
  // pair has converged far enough to be the cause of the loss (topExplainsLoss).
  bool selectiveOrthogonalization() const {
    return requests_ == Requests::Selective && partialReorthogonalization() && !fastSmallest_ && topRows_ == m_ &&
           m_ > 0 && fastWindow() && topExplainsLoss();
  }
  bool topExplainsLoss() const;
  double orthogonalizeAgainstTop(double before);
  std::vector<double> ritzVector_;  // the top Ritz vector Q s of the selective orthogonalization
  std::size_t ritzVectorRows_ = 0;  // the basis size it was formed at (0: none)
  std::size_t topRows_ = 0;         // the basis size top_ belongs to
  Requests requests_ = Requests::Selective;
  std::size_t selectiveOrthogonalizations_ = 0;
  LanczosWorkspace* workspace_ = nullptr;
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
