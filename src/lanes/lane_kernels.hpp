// The r = 1 chain kernels of kernels.cpp, structure-of-arrays over W lanes: every value is a
// vector V of W doubles (GCC/Clang vector extensions), lane k holding run k's value. Each kernel
// performs, per lane, exactly the scalar operations of its kernels.cpp counterpart in the same
// order -- same accumulator initialization (0.0 + first product), same summation order
// (sequential for up to 8 columns as in the *Vec templates, four interleaved partial sums beyond,
// as dot4) -- so a lane's results have the bits of the single-run kernel. Vector arithmetic is
// element-wise IEEE arithmetic, so the vector width (and whether the compiler splits V into
// narrower registers) changes nothing but speed.
//
// Layout: a matrix M (rows x cols, row-major) of the single run is M[(i * cols + j)] -> V at the
// same index; vectors likewise.
#pragma once

#include <cstddef>

namespace dln::lanes {

template <class V, std::size_t C>
inline void transposedTimesFixed(std::size_t rows, const V* W, const V* x, V* y) {
  V acc[C];
  for (std::size_t j = 0; j < C; ++j) acc[j] = V{};
  for (std::size_t i = 0; i < rows; ++i) {
    const V xi = x[i];
    const V* w = W + i * C;
    for (std::size_t j = 0; j < C; ++j) acc[j] += w[j] * xi;
  }
  for (std::size_t j = 0; j < C; ++j) y[j] = acc[j];
}

// y (cols) = W^T x: kernels::transposedTimes with r = 1 (transposedTimesVec, or the generic loop
// whose order is the same).
template <class V>
inline void transposedTimes(std::size_t rows, std::size_t cols, const V* W, const V* x, V* y) {
  switch (cols) {
    case 1: return transposedTimesFixed<V, 1>(rows, W, x, y);
    case 2: return transposedTimesFixed<V, 2>(rows, W, x, y);
    case 3: return transposedTimesFixed<V, 3>(rows, W, x, y);
    case 4: return transposedTimesFixed<V, 4>(rows, W, x, y);
    case 5: return transposedTimesFixed<V, 5>(rows, W, x, y);
    case 6: return transposedTimesFixed<V, 6>(rows, W, x, y);
    case 7: return transposedTimesFixed<V, 7>(rows, W, x, y);
    case 8: return transposedTimesFixed<V, 8>(rows, W, x, y);
    default: break;
  }
  for (std::size_t j = 0; j < cols; ++j) y[j] = V{};
  for (std::size_t i = 0; i < rows; ++i) {
    const V xi = x[i];
    const V* w = W + i * cols;
    for (std::size_t j = 0; j < cols; ++j) y[j] += w[j] * xi;
  }
}

template <class V, std::size_t C>
inline void timesThenRankOneFixed(std::size_t rows, const V* x, V* y, const V& scale, const V* a, V* W) {
  V xr[C];
  for (std::size_t j = 0; j < C; ++j) xr[j] = x[j];
  for (std::size_t i = 0; i < rows; ++i) {
    V* w = W + i * C;
    if (y) {
      V s = V{};
      for (std::size_t j = 0; j < C; ++j) s += w[j] * xr[j];
      y[i] = s;
    }
    const V ai = scale * a[i];
    for (std::size_t j = 0; j < C; ++j) w[j] += ai * xr[j];
  }
}

// *out = kernels::dot4(n, x, y) per lane: four partial sums, combined as (s0 + s1) + (s2 + s3).
template <class V>
inline void dot4(std::size_t n, const V* x, const V* y, V* out) {
  V s[4] = {V{}, V{}, V{}, V{}};
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s[0] += x[j] * y[j];
    s[1] += x[j + 1] * y[j + 1];
    s[2] += x[j + 2] * y[j + 2];
    s[3] += x[j + 3] * y[j + 3];
  }
  for (std::size_t k = 0; j < n; ++j, ++k) s[k] += x[j] * y[j];
  *out = (s[0] + s[1]) + (s[2] + s[3]);
}

// y = W x with the old W (skipped when y is null), then W += scale * a x^T:
// kernels::timesThenRankOne below the gemv threshold.
template <class V>
inline void timesThenRankOne(std::size_t rows, std::size_t cols, const V* x, V* y, const V& scale, const V* a, V* W) {
  switch (cols) {
    case 1: return timesThenRankOneFixed<V, 1>(rows, x, y, scale, a, W);
    case 2: return timesThenRankOneFixed<V, 2>(rows, x, y, scale, a, W);
    case 3: return timesThenRankOneFixed<V, 3>(rows, x, y, scale, a, W);
    case 4: return timesThenRankOneFixed<V, 4>(rows, x, y, scale, a, W);
    case 5: return timesThenRankOneFixed<V, 5>(rows, x, y, scale, a, W);
    case 6: return timesThenRankOneFixed<V, 6>(rows, x, y, scale, a, W);
    case 7: return timesThenRankOneFixed<V, 7>(rows, x, y, scale, a, W);
    case 8: return timesThenRankOneFixed<V, 8>(rows, x, y, scale, a, W);
    default: break;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    V* w = W + i * cols;
    if (y) dot4(cols, w, x, y + i);
    const V ai = scale * a[i];
    for (std::size_t j = 0; j < cols; ++j) w[j] += ai * x[j];
  }
}

}  // namespace dln::lanes
