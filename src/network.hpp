// The architecture of a deep linear network: widths d_0 ... d_L and, for univariate regression,
// a fixed output projection p. Parameters live in one contiguous row-major buffer; layer l
// (0-based, the paper's W_{l+1}) is a rows(l) x cols(l) = d_{l+1} x d_l block at offset(l).
#pragma once

#include <cstddef>
#include <vector>

namespace dln {

class NetworkSpec {
 public:
  NetworkSpec() = default;
  // Validates: at least one layer, every width >= 1, sizes that neither overflow nor exceed the
  // memory cap. `projection` is either empty (matrix output) or of length d_L.
  NetworkSpec(std::vector<std::size_t> widths, std::vector<double> projection);

  std::size_t depth() const { return widths_.size() - 1; }
  std::size_t inputDim() const { return widths_.front(); }
  std::size_t outputDim() const { return widths_.back(); }
  const std::vector<std::size_t>& widths() const { return widths_; }

  std::size_t rows(std::size_t layer) const { return widths_[layer + 1]; }
  std::size_t cols(std::size_t layer) const { return widths_[layer]; }
  std::size_t offset(std::size_t layer) const { return offsets_[layer]; }
  std::size_t layerSize(std::size_t layer) const { return rows(layer) * cols(layer); }
  std::size_t paramCount() const { return offsets_.back(); }
  std::size_t maxWidth() const { return maxWidth_; }
  std::size_t minWidth() const { return minWidth_; }

  bool hasProjection() const { return !projection_.empty(); }
  const std::vector<double>& projection() const { return projection_; }
  double projectionNorm() const;

  // All layers square and of one width (required by the residual initialization).
  bool isSquare() const;

 private:
  std::vector<std::size_t> widths_;
  std::vector<double> projection_;
  std::vector<std::size_t> offsets_;  // depth() + 1 entries; the last is the parameter count
  std::size_t maxWidth_ = 0;
  std::size_t minWidth_ = 0;
};

}  // namespace dln
