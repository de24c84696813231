#include "init.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"
#include "linalg.hpp"
#include "rng.hpp"

namespace dln {

InitKind parseInitKind(const std::string& name) {
  if (name == "gaussian") return InitKind::Gaussian;
  if (name == "zero-layer") return InitKind::ZeroLayer;
  if (name == "residual") return InitKind::Residual;
  if (name == "lazy") return InitKind::Lazy;
  fail(ErrorCode::Value, "kind",
       "unknown initialization '" + name + "' (expected gaussian, zero-layer, residual or lazy)");
}

double lazyStd(const NetworkSpec& spec, double sigma) {
  const std::size_t L = spec.depth();
  if (L == 1) return sigma;
  std::size_t w = 0;
  for (std::size_t k = 1; k < L; ++k) w = std::max(w, spec.widths()[k]);
  const double Ld = static_cast<double>(L);
  return std::pow(sigma, 1.0 / Ld) * std::pow(static_cast<double>(w), -(Ld - 1.0) / (2.0 * Ld));
}

std::vector<double> initialize(const NetworkSpec& spec, const InitOptions& o) {
  const std::size_t L = spec.depth();
  auto finiteNonNegative = [](double v) { return std::isfinite(v) && v >= 0; };
  if (!finiteNonNegative(o.scale)) fail(ErrorCode::Value, "scale", "must be a finite number >= 0");
  if (!o.layerScales.empty()) {
    if (o.layerScales.size() != L) {
      fail(ErrorCode::Shape, "layerScales",
           "expected one scale per layer (" + std::to_string(L) + "), got " + std::to_string(o.layerScales.size()));
    }
    for (std::size_t l = 0; l < L; ++l)
      if (!finiteNonNegative(o.layerScales[l]))
        fail(ErrorCode::Value, "layerScales[" + std::to_string(l) + "]", "must be a finite number >= 0");
  }
  if (o.kind == InitKind::ZeroLayer && o.zeroLayer >= L) {
    fail(ErrorCode::Value, "zeroLayer", "must be a layer index in [0, " + std::to_string(L - 1) + "]");
  }
  if (o.kind == InitKind::Residual && !spec.isSquare()) {
    fail(ErrorCode::Shape, "kind", "the residual initialization needs square layers (all widths equal)");
  }
  if (o.kind == InitKind::Lazy && (!std::isfinite(o.sigma) || o.sigma <= 0)) {
    fail(ErrorCode::Value, "sigma", "must be a finite number > 0");
  }

  std::vector<double> theta(spec.paramCount());
  const double lazy = o.kind == InitKind::Lazy ? lazyStd(spec, o.sigma) : 0.0;
  for (std::size_t l = 0; l < L; ++l) {
    Rng rng(o.seed, Purpose::Init, {o.stream, l});
    double* W = theta.data() + spec.offset(l);
    const std::size_t size = spec.layerSize(l);
    double sd = o.layerScales.empty() ? o.scale : o.layerScales[l];
    switch (o.kind) {
      case InitKind::ZeroLayer:
        if (l == o.zeroLayer) sd = 0.0;
        [[fallthrough]];
      case InitKind::Gaussian:
        for (std::size_t i = 0; i < size; ++i) W[i] = sd * rng.normal();
        break;
      case InitKind::Lazy:
        for (std::size_t i = 0; i < size; ++i) W[i] = lazy * rng.normal();
        break;
      case InitKind::Residual: {
        const std::size_t d = spec.cols(l);
        const double s = o.scale / std::sqrt(static_cast<double>(L * d));
        for (std::size_t i = 0; i < size; ++i) W[i] = s * rng.normal();
        for (std::size_t i = 0; i < d; ++i) W[i * d + i] += 1.0;
        break;
      }
    }
  }
  return theta;
}

std::vector<double> randomUnitVector(std::size_t d, std::uint64_t seed, std::uint64_t stream) {
  if (d == 0) fail(ErrorCode::Value, "d", "must be >= 1");
  Rng rng(seed, Purpose::Projection, {stream});
  std::vector<double> v(d);
  double norm = 0;
  do {
    for (double& x : v) x = rng.normal();
    norm = linalg::frobeniusNorm(d, v.data());
  } while (norm == 0.0);
  for (double& x : v) x /= norm;
  return v;
}

}  // namespace dln
