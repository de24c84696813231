// Initial weights. Layer l draws from its own stream (seed, Init, {stream, l}), so a layer's
// numbers do not change when the depth or another layer's width does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "network.hpp"

namespace dln {

enum class InitKind {
  Gaussian,   // N(0, scale^2) entries, optionally one scale per layer
  ZeroLayer,  // Gaussian except one layer set to zero
  Residual,   // I + s / sqrt(L d) N (square layers of width d), Marion & Chizat's ResNet init
  Lazy,       // Jacot et al.'s large-norm init: std sigma^{1/L} w^{-(L-1)/(2L)}, w the hidden width
};

struct InitOptions {
  InitKind kind = InitKind::Gaussian;
  double scale = 1.0;               // Gaussian std, or s for Residual
  std::vector<double> layerScales;  // Gaussian/ZeroLayer: per-layer std overriding `scale`
  std::size_t zeroLayer = 0;        // ZeroLayer: which layer (0-based)
  double sigma = 1.0;               // Lazy: target std of the entries of A
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;  // e.g. the repetition index
};

InitKind parseInitKind(const std::string& name);  // "gaussian" | "zero-layer" | "residual" | "lazy"
std::vector<double> initialize(const NetworkSpec& spec, const InitOptions& options);
// Lazy init's entry std for this architecture.
double lazyStd(const NetworkSpec& spec, double sigma);
// A uniformly random unit vector (the residual experiments' projection).
std::vector<double> randomUnitVector(std::size_t d, std::uint64_t seed, std::uint64_t stream = 0);

}  // namespace dln
