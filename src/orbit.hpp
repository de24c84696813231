// The orbit of gradient descent after a point, and its largest Lyapunov exponent (docs/theory.md
// §4.1): the recorded quantities of the bifurcation diagram beyond the edge of stability.
//
// From the recorded point theta_0 (evaluated, gradient complete) gradient descent continues on a
// copy for W = kOrbitWindow steps at the run's learning rate eta, theta_{j+1} = theta_j - eta grad
// R(theta_j), j = 0 ... W-1 (the run's own point is left alone). Along the way:
//   orbitLoss       R(theta_j), j = 0 ... W-1 (W values);
//   orbitSharpness  S(theta_j), the largest Hessian eigenvalue by Lanczos with the run's spectral
//                   options (W values; each solve starts from the previous point's Ritz vector);
//   orbitAlignment  the mean over j of |<g_j, u_j>| / |g_j|, g_j = grad R(theta_j) (the step's
//                   direction), u_j the unit top eigenvector of H(theta_j): 1 when every step lies
//                   along the top eigenvector, as on a period-2 orbit near a minimizer (there
//                   theta_b - theta_a is an eigenvector of H at the midpoint with eigenvalue 2/eta);
//   lyapunov        the largest Lyapunov exponent estimated over the window: the Jacobian of the
//                   gradient-descent map is J(theta) = I - eta H(theta), so a unit tangent vector v_0
//                   (a seeded Gaussian draw, normalized) is carried along as
//                     v'_j = v_j - eta H(theta_j) v_j (one exact Hessian-vector product),
//                     v_{j+1} = v'_j / |v'_j|,
//                   over the window (a warm-up: v turns towards the most expanding direction)
//                   and W steps more, and lambda = (1/W) sum_{j=W}^{2W-1} log |v'_j|, i.e.
//                   (1/W) log |J_{2W-1} ... J_W v_W| (per step, natural log). Positive on a
//                   chaotic orbit; on a quadratic R with Hessian H it tends to
//                   max_i log |1 - eta lambda_i(H)| as W grows. Without the warm-up a random
//                   v_0's transient growth biases a 64-step estimate by O(1/W) (measured up to
//                   +0.014 per step on a period-8 orbit of the authors' data).
// The probe records NaN at a run's initial row (step 0): the run itself is the orbit after it.
// A window whose loss leaves the finite numbers (or passes `lossCeiling`) ends there: the values
// after it are NaN, and so are lyapunov and orbitAlignment.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "control.hpp"
#include "probes.hpp"
#include "spectrum.hpp"

namespace dln {

constexpr std::size_t kOrbitWindow = 64;

struct OrbitOptions {
  double learningRate = 0.0;
  std::size_t window = kOrbitWindow;
  bool sharpness = false;      // compute orbitSharpness and orbitAlignment (one Lanczos solve per point)
  bool lyapunov = true;        // carry the tangent vector
  double lossCeiling = 1e300;  // a loss above this (or non-finite) ends the window
  SharpnessOptions spectral;
  std::uint64_t stream = 0;  // the Lanczos streams of the window's solves
  CancelFlag cancel;
};

struct Orbit {
  std::vector<double> loss;       // window values (NaN after the window ended early)
  std::vector<double> sharpness;  // window values when asked, else empty
  double alignment = 0.0;         // NaN when sharpness was not asked or the window ended early
  double lyapunov = 0.0;          // NaN when not asked or the window ended early
  double warmup = 0.0;            // log |J_{W-1} ... J_0 v_0| (the window's own growth)
  std::vector<double> tangent;    // the final unit tangent vector v_W
  std::vector<double> end;        // the last point: theta_{2W} with the exponent, else theta_W
  std::size_t hvps = 0;           // Hessian-vector products, tangent and Lanczos together
  bool ended = false;             // the window ended early (divergence or an overflowing product)
};

// The orbit after `theta` (P values) from the unit tangent vector `tangent0` (P values; normalized
// here). ErrorCode::Value on "learningRate" unless finite and > 0; a raised cancel flag,
// ErrorCode::Cancelled.
Orbit followOrbit(const Problem& problem, const double* theta, const double* tangent0, const OrbitOptions& options);

// The recorded quantities above (probes.hpp): their names, and one probe serving all of `names`
// that are orbit quantities (the window is run once per recording). The probe reads eta from
// ProbeContext::learningRate and refuses (ErrorCode::Value on "record") a run without one (flows,
// the optimizer driver).
bool isOrbitQuantity(const std::string& name);
std::vector<std::string> orbitQuantities();
std::unique_ptr<Probe> makeOrbitProbe(const std::vector<std::string>& names, const Problem& problem,
                                      const ProbeOptions& options);

}  // namespace dln
