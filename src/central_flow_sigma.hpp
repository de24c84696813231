// The central flow's Sigma for gradient descent at the edge of stability (docs/central-flow.md).
//
// With k eigenvalues of H at the edge, eigenvectors U = [u_1 .. u_k], gradient g = grad R and the
// contractions T_ij = D^3R[u_i, u_j, .] (sharpness_gradient.hpp), the central flow moves W by
//   dW/dt = -(g + 1/2 sum_ij S_ij T_ij),        Sigma = U S U^T, S (k x k) symmetric,
// and along it M = U^T H U changes at the rate
//   dM/dt = -a - B[S],   a_ij = <T_ij, g>,   B[S]_ij = 1/2 sum_kl <T_ij, T_kl> S_kl.
// S is fixed by the semidefinite complementarity problem that keeps every eigenvalue at the edge
// from rising faster than an allowed rate D (D = 0: exactly at 2/eta; D is the caller's):
//   S >= 0,   Y = D - dM/dt = (a + D) + B[S] >= 0,   <S, Y> = 0.
// For k = 1: S = sigma^2 = max(0, -2 <g, T>/|T|^2) (with D = 0). B is positive semidefinite
// (<S, B[S]> = 1/2 |sum_ij S_ij T_ij|^2), so the problem is the optimality condition of the convex
// program min_{S >= 0} 1/2 <S, B[S]> + <a + D, S>.
//
// solveSdcp solves the general problem S >= 0, Y = alpha + B[S] >= 0, <S, Y> = 0 for k <= 4 by a
// primal barrier method (damped Newton on 1/2 <S, B[S]> + <alpha, S> - mu log det S, mu -> 0,
// in svec coordinates of dimension k(k+1)/2 <= 10), then polishes on the face the barrier
// solution identifies: with V the eigenvectors where S dominates Y, it solves the linear system
// V^T (alpha + B[V Z V^T]) V = 0 for Z exactly and keeps the result when it is a better KKT point.
// No external solver.
#pragma once

#include <cstddef>
#include <vector>

namespace dln {

// svec coordinates of a symmetric k x k matrix: the packed upper triangle in pairIndex order
// (0,0), (0,1), .., (0,k-1), (1,1), .., with off-diagonal entries times sqrt(2), so that
// <X, Y>_F = svec(X) . svec(Y).
std::size_t svecSize(std::size_t k);
void svec(std::size_t k, const double* X, double* out);
void smat(std::size_t k, const double* x, double* out);

struct SdcpResult {
  enum class Status { Solved, Unbounded };
  Status status = Status::Solved;
  std::vector<double> S, Y;      // k x k, row-major
  double minEigenS = 0.0;        // smallest eigenvalue of S (>= 0 up to rounding)
  double minEigenY = 0.0;        // smallest eigenvalue of Y (>= 0 up to rounding)
  double complementarity = 0.0;  // <S, Y>
  // The relative KKT residual max(-minEigenS / |S|, -minEigenY / y, |<S, Y>| / (|S| y)), Frobenius
  // norms, y = max(|Y|, |alpha|) (a full-rank S has Y = 0 up to rounding), terms with |S| = 0 dropped.
  double residual = 0.0;
  std::size_t newtonSteps = 0;
  bool polished = false;  // the face solve replaced the barrier solution
};

// alpha: k x k symmetric; B: the linear map on svec coordinates, n x n symmetric positive
// semidefinite (n = svecSize(k)). Status Unbounded when no S >= 0 satisfies the problem (alpha has
// a direction of decrease where B vanishes). k must be 1..4.
SdcpResult solveSdcp(std::size_t k, const double* alpha, const double* B);

struct CentralFlowSigma {
  std::size_t k = 0;
  SdcpResult sdcp;                 // S = sdcp.S is Sigma in the basis u_1..u_k
  std::vector<double> velocity;    // P: dW/dt = -(g + 1/2 sum_ij S_ij T_ij)
  std::vector<double> edgeRate;    // k x k: dM/dt along velocity, computed from the contractions
  double predictedLossTerm = 0.0;  // 1/2 <S, lambda> = 1/2 sum_i S_ii lambda_i (when eigenvalues are given)
};

// P parameters, k edge eigenvectors; contractions is k(k+1)/2 x P in pairIndex order (as
// SharpnessGradientResult::contractions); allowedRate (k x k symmetric, D above) may be null (0);
// eigenvalues (k) may be null.
CentralFlowSigma centralFlowSigma(std::size_t P, std::size_t k, const double* gradient, const double* contractions,
                                  const double* allowedRate = nullptr, const double* eigenvalues = nullptr);

}  // namespace dln
