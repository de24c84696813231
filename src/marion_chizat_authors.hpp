// The data of Marion & Chizat's reference code (run_experiment.py and utils.py of their public
// repository), drawn with JAX's generator (jax_random.hpp) along the code's key chain, so that the
// presets can run on the authors' exact dataset.
//
// The key chain: key = PRNGKey(0), then `key, subkey = split(key)` before every use, in the order
// of the code's __main__. Subkey i (i = 0, 1, ...) is split(key_i)[1] where key_{i+1} = split(key_i)[0]:
//   0 the data                     4 init_resnet (dimension only)   8 + 3j init_resnet at depth L_j
//   1 init_mlp (dimension only)    5 the residual projection w      9 + 3j the projection at depth L_j
//   2 the Gaussian-init sweep      6 the residual sweep             10 + 3j the sweep at depth L_j
//   3 the Gaussian-init traces     7 the residual traces            20 the underdetermined data
// (8 and later: the October 2024 code only; L = 5, 10, 20, 40; 21 init_mlp, 22 the underdetermined
// sweep.) Both versions share subkeys 0-7, so the residual projection is the same in both.
//
// generate_data(n, d, key): `key, subkey = split(key)` before each draw, in order: X ~ N (n x d),
// [October: X_test ~ N (n x d)], w_true ~ N (d), noise ~ N (n) [October: noise_test ~ N (n)];
// y = X w_true + noise; w* = (X^T X)^+ X^T y; y, w* [and y_test] divided by ||w*||.
//
// Precision: the draws are JAX's float32 values bit for bit (jax_random.hpp says how far that is
// proven); everything computed from them -- y, w*, ||w*||, the division, the projection's
// normalization -- is float64 here, where the authors' code computed it in float32. So X and the
// draws are exactly the authors'; y, w* and p agree with theirs to float32 rounding (relative
// ~1e-7), and w* is the exact least-squares solution of the (X, y) that dlnflow trains on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data.hpp"
#include "jax_random.hpp"

namespace dln {

// Which version of the reference code: May 2024 (the paper's text and figures) or October 2024
// (the revision: a test set drawn after X, the depth experiment, the underdetermined data).
enum class AuthorsCode { May2024, October2024 };

// The keys of the chain above.
enum class AuthorsKey {
  Data,
  GaussianInit,
  GaussianSweep,
  GaussianTraces,
  ResidualInit,
  ResidualProjection,
  ResidualSweep,
  ResidualTraces,
  DepthInit,        // October 2024, per depth
  DepthProjection,  // October 2024, per depth
  DepthSweep,       // October 2024, per depth
  UnderdeterminedData,
  UnderdeterminedInit,
  UnderdeterminedSweep,
};

// The depths of the October code's depth experiment, in the order of its loop.
constexpr std::array<std::size_t, 4> kAuthorsDepths = {5, 10, 20, 40};

// Subkey `which` of the chain (depth: one of kAuthorsDepths for the Depth* keys, else ignored).
jax::Key authorsKey(AuthorsCode code, AuthorsKey which, std::size_t depth = 0);

// The regression data with JAX's float32 draws kept beside it (wTrue, noise, noiseTest: exactly
// the float32 values JAX drew; X and XTest hold them too, widened).
struct AuthorsRegressionData : RegressionData {
  std::vector<float> wTrue, zeta, zetaTest;
};

// generate_data of the given code version. (n, d) = (50, 5) is the paper's dataset (subkey 0);
// the October code also draws (15, 20), the underdetermined dataset (subkey 20). `noise` scales
// the noise draw (the October code's noise_variance; 1 in both codes' linear experiments).
// nTest: 0 for the May code (it draws no test set), n for the October code.
AuthorsRegressionData marionChizatAuthorsData(AuthorsCode code, std::size_t n, std::size_t d, double noise);

// The unit projection w the chain draws: normal(subkey, (d,)) divided by its norm (in float64).
// depth = 0: the residual experiments' w (subkey 5, both versions); depth in kAuthorsDepths: the
// October depth experiment's w at that depth.
std::vector<double> marionChizatAuthorsProjection(AuthorsCode code, std::size_t d, std::size_t depth = 0);

}  // namespace dln
