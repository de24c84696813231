// The top of the Hessian spectrum at an evaluated point, by the method the caller picks: the one
// dispatch that both the Node API's sharpness() and the spectral probes of a run (probes.hpp) use.
//
//   lanczos  full reorthogonalization, stopping on the Ritz residual (lanczos.hpp): the k largest
//            eigenvalues and, if asked, the smallest; Ritz vectors on request.
//   power    the Marion-Chizat reference code's power iteration: one estimate of the spectral
//            radius max |lambda| (not lambda_max), for parity with the paper's numbers.
//   dense    assemble H from P products on unit vectors and eigen-decompose (H + H^T)/2: exact, for
//            small problems and as the tests' oracle (P^2 doubles).
//
// "Largest" is largest algebraic: the sharpness of docs/math.md, never the largest magnitude.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "lanczos.hpp"

namespace dln {

// How spectral quantities are computed (the sharpness options of train, flow, sharpness()).
struct SharpnessOptions {
  enum class Method { Lanczos, Power, Dense };
  Method method = Method::Lanczos;
  std::size_t k = 1;
  double tol = 1e-10;
  std::size_t maxIterations = 0;     // Lanczos; 0 = min(P, 300)
  std::size_t powerIterations = 20;  // power iteration (and the sharpnessPower quantity)
  std::uint64_t seed = 0;
  bool warmStart = true;  // along a run, start from the previous recording's Ritz vector
};

// ERR_DLN_VALUE naming the field (relative: "tol", "powerIterations") for what holds whatever the
// problem: what a parser checks as soon as it has read the options.
void validate(const SharpnessOptions& options);
// The same, and what depends on the number of parameters P: "k" in [1, P], "maxIterations" >= k
// (Lanczos), k = 1 for power iteration, and for the dense method P^2 doubles within the memory
// limit (ERR_DLN_MEMORY on "method").
void validate(const SharpnessOptions& options, std::size_t P);

// What one solve asks beyond the options.
struct SpectrumRequest {
  bool smallest = false;                  // also converge lambda_min (Lanczos; dense always has it)
  bool vectors = false;                   // the Ritz / eigen vectors of the k values (Lanczos, dense)
  const double* start = nullptr;          // Lanczos start vector (P values), e.g. a previous Ritz vector
  std::uint64_t stream = 0;               // the eigensolver's random stream (one per recording along a run)
  CancelFlag cancel;                      // polled between Lanczos iterations and blocks of dense work
  LanczosWorkspace* workspace = nullptr;  // Lanczos buffers kept across solves (a run's recordings)
  HessianOperator* hessian = nullptr;     // an operator on the same evaluator, kept across solves
};

struct Spectrum {
  std::vector<double> values;     // the k largest, descending (power: the one estimate)
  std::vector<double> residuals;  // Lanczos: Ritz residuals ||H y - theta y||; dense: 0; power: empty
  std::vector<double> vectors;    // k x P, row i the unit vector of values[i] (when requested)
  double smallest = 0.0;          // lambda_min (Lanczos: its Ritz value; converged if requested)
  double smallestResidual = 0.0;
  double powerLast = 0.0;  // power: ||H v|| of the last step (the estimate is the one before)
  std::size_t iterations = 0;
  std::size_t products = 0;  // Hessian-vector products (dense: the P that assembled H)
  std::size_t restarts = 0;  // Lanczos breakdowns continued from a fresh vector
  bool converged = false;    // Lanczos: every wanted pair met the residual test; others: true
};

// The spectrum at the evaluator's point (evaluated, gradient complete). Options must have passed
// validate(options, P). A point where the products overflow is an ErrorCode::Value error on
// "weights"; a raised cancel flag, ErrorCode::Cancelled.
Spectrum hessianSpectrum(const Evaluator& evaluator, const SharpnessOptions& options, const SpectrumRequest& request);

}  // namespace dln
