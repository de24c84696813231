// The gradient of the sharpness S(W) = lambda_max(H(W)): for a simple top eigenvalue with unit
// eigenvector u, grad S = D^3R(W)[u, u, .] (third_derivative.hpp). The eigenvalue is simple only
// up to what can be resolved, so the top of the spectrum is found one eigenvalue at a time:
// Lanczos for lambda_1, then Lanczos on the deflated operator (I - Q Q^T) H (I - Q Q^T), Q the
// vectors found so far, for each next one. A single Krylov space holds one vector per
// eigenspace, so a plain top-2 solve can report a gap where the top eigenvalue is in fact
// repeated; the deflated solve sees the second copy. The top eigenvalue counts as simple to the
// tolerance tau when lambda_1 - lambda_2 > tau |lambda_1|.
//
// On request (cluster) the top cluster is returned instead: lambda_1..lambda_k with consecutive
// gaps <= tau |lambda_1| and lambda_k - lambda_{k+1} > tau |lambda_1|, with the k(k+1)/2
// contractions D^3R[u_i, u_j, .] (i <= j) that the central flow's Sigma needs
// (central_flow_sigma.hpp). Within a cluster the eigenvectors are one orthonormal basis of a
// (numerically) repeated eigenspace; the contractions transform with it.
#pragma once

#include <cstdint>
#include <vector>

#include "control.hpp"
#include "evaluator.hpp"

namespace dln {

struct SharpnessGradientOptions {
  enum class Method { Lanczos, Dense };
  Method method = Method::Lanczos;  // dense: eigen-decompose the assembled Hessian (small P)
  double tol = 1e-10;               // Lanczos relative Ritz residual
  std::size_t maxIterations = 0;    // per Lanczos solve; 0 = min(P, 300)
  std::uint64_t seed = 0;           // Lanczos start vectors (the first solve is sharpness()'s)
  double eigengapTolerance = 1e-6;  // relative: simple iff lambda_1 - lambda_2 > tau |lambda_1|
  bool cluster = false;             // return the top cluster instead of refusing a non-simple top
  std::size_t maxClusterSize = 4;
};

struct SharpnessGradientResult {
  std::size_t clusterSize = 1;      // k (1 unless cluster)
  std::vector<double> eigenvalues;  // lambda_1..lambda_k, descending
  std::vector<double> residuals;    // their Ritz residuals (0 for dense)
  std::vector<double> vectors;      // k x P unit eigenvectors
  double next = 0.0;                // lambda_{k+1}; -inf when the cluster is the whole spectrum
  double nextResidual = 0.0;
  double eigengap = 0.0;             // lambda_k - lambda_{k+1} (+inf when there is no lambda_{k+1})
  double vectorErrorBound = 0.0;     // sin of the angle to the exact eigenspace, <= max residual / gap
  std::vector<double> contractions;  // k(k+1)/2 x P: D^3R[u_i, u_j, .] for i <= j, row-major upper triangle
  std::size_t hvps = 0;              // Hessian-vector products (dense: P)
  std::size_t lanczosRuns = 0;
  std::size_t lanczosIterations = 0;
};

// Index of the pair (i, j), i <= j < k, in the packed upper triangle: (0,0), (0,1), .., (0,k-1), (1,1), ..
inline std::size_t pairIndex(std::size_t k, std::size_t i, std::size_t j) { return i * k - i * (i - 1) / 2 + (j - i); }

// `evaluator` must have evaluated the point with the gradient complete. Errors (ErrorCode::Value):
// "options.eigengapTolerance" when the top eigenvalue is not simple (without cluster),
// "options.maxClusterSize" when the cluster is larger, "options.maxIterations" when a Lanczos
// solve does not converge. `control` (optional) is polled before every Hessian-vector product.
SharpnessGradientResult sharpnessGradient(const Evaluator& evaluator, const SharpnessGradientOptions& options,
                                          RunControl* control = nullptr);

// Checks options (fields named as in the API: "options.tol", ...).
void validate(const SharpnessGradientOptions& options);

}  // namespace dln
