// The central flow of gradient descent at step eta (Cohen, Damian, Talwalkar, Kolter, Lee, ICLR
// 2025; docs/central-flow.md): with time in gradient-descent units (t = eta * step),
//   dW/dt = -[grad R(W) + 1/2 grad <Sigma, grad^2 R(W)>],   Sigma = U S U^T >= 0,
// U the k <= 4 top eigenvectors of H at the edge 2/eta, S from the semidefinite complementarity
// problem of central_flow_sigma.hpp. Predicted time-averaged loss of GD: R + 1/2 <S, U^T H U>.
//
// The flow is piecewise smooth: it is integrated by DOPRI5 (dopri5.hpp) one smooth piece at a
// time, the pieces separated by events located on the dense output (events.hpp):
//   - "enter": the (k+1)-th eigenvalue rises to 2/eta (k = 0: plain gradient flow until then,
//     bitwise the same steps as gradientFlow with the same integrator options);
//   - "leave": the smallest eigenvalue of S_free falls to 0, S_free the solution of the active
//     set's equality problem B[S] = -(a + D) (then S = S_free; past the root S_free is not >= 0
//     and the eigenvalue whose direction it loses leaves the edge).
// At each event the integrator restarts from the located point with k + 1 or k - 1 edge
// eigenvalues. On the edge the allowed rate is D = diag(c (2/eta - lambda_i) / eta) (c =
// edgeRelaxation): the exact flow keeps lambda_i = 2/eta, D only pulls back the integration
// error, at a rate of c per GD step.
//
// Per right-hand side on the edge: one gradient, one Lanczos solve for the top k + 1 eigenpairs
// (warm-started from the last top vector), the k(k+1)/2 contractions D^3R[u_i, u_j, .]
// (third_derivative.hpp) and one solve of the complementarity problem.
#pragma once

#include <cstdint>
#include <vector>

#include "flow.hpp"

namespace dln {

struct CentralFlowOptions {
  // tEnd, integrator, maxSteps, recordEvery, times, record (plus the extras "predictedLoss",
  // "edgeCount", "kktResidual", "stepSize"), probeOptions, events, lossCeiling: as gradient flow.
  FlowOptions flow;
  double learningRate = 0.0;      // eta > 0: the edge is 2/eta
  double edgeRelaxation = 0.1;    // c: on the edge, d lambda_i/dt = c (2/eta - lambda_i)/eta
  std::size_t maxEdge = 4;        // 1..4 eigenvalues at the edge at once
  double eigenTolerance = 1e-10;  // Lanczos relative Ritz residual of the edge eigenpairs
};

// A change of the number of eigenvalues at the edge.
struct EdgeTransition {
  double time;
  std::size_t from, to;  // edge counts
};

struct CentralFlowResult : FlowResult {
  std::vector<EdgeTransition> transitions;
  std::size_t edgeCount = 0;  // at the end
  // Over every right-hand side evaluated on the edge (what the complementarity problem returned):
  std::uint64_t edgeEvaluations = 0;
  // analyze() calls on the edge answered from the last right-hand side at the same point (bitwise):
  // DOPRI5's last stage is the accepted point, whose event values would otherwise be recomputed.
  std::uint64_t cachedEvaluations = 0;
  double maxKktResidual = 0.0;  // the solver's relative KKT residual
  double minSigmaEigen =
      0.0;  // min over evaluations with S != 0 of lambda_min(S) / |S| (>= 0 up to rounding; NaN if none)
  double maxComplementarity = 0.0;  // max |<S, Y>| / (|S| max(|Y|, |alpha|))
  // Over accepted steps on the edge: max_i |lambda_i - 2/eta| / (2/eta).
  double maxEdgeDeviation = 0.0;
  std::uint64_t lanczosProducts = 0;  // Hessian-vector products of the edge eigensolves
  std::uint64_t contractions = 0;     // third-derivative contractions
};

// ERR_DLN_VALUE naming learningRate, edgeRelaxation, maxEdge, eigenTolerance or a flow field.
void validate(const CentralFlowOptions& options, const Problem& problem);

CentralFlowResult centralFlow(const Problem& problem, const std::vector<double>& theta0,
                              const CentralFlowOptions& options, RunControl& control);

}  // namespace dln
