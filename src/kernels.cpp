#include "kernels.hpp"

#include <atomic>
#include <cstring>

#include "blas.hpp"

namespace dln::kernels {

namespace {
// Measured by scripts/bench/kernels.js (see README "Performance"): with r >= 2 columns dgemm wins
// from m*n*k ~ 250 (d = 5, r = 10) and loses below; a matrix-vector product goes to dgemv from
// about 20 x 20, where its vector kernels outrun the portable loops despite its ~60 ns call cost.
// Rank-one updates never go to BLAS: dger lost to the loops at every width measured.
std::atomic<std::size_t> g_gemmThreshold{200};
std::atomic<std::size_t> g_gemvThreshold{400};

inline bool useBlas(std::size_t m, std::size_t n, std::size_t k, std::size_t r) {
#if defined(DLN_BLAS_NONE)
  (void)m, (void)n, (void)k, (void)r;
  return false;
#else
  return r > 1 && m * n * k >= g_gemmThreshold.load(std::memory_order_relaxed);
#endif
}

inline bool useGemv(std::size_t rows, std::size_t cols) {
#if defined(DLN_BLAS_NONE)
  (void)rows, (void)cols;
  return false;
#else
  return rows * cols >= g_gemvThreshold.load(std::memory_order_relaxed);
#endif
}
// Matrix-vector kernels with the column count fixed at compile time: at the papers' widths
// (d = 5) a runtime-length inner loop spends more on loop control and vector prologues than on
// arithmetic. Summation order is the same as the generic loops', so results are bitwise equal
// whichever path runs.
template <std::size_t C>
inline void transposedTimesVec(std::size_t rows, const double* W, const double* x, double* y, bool accumulate) {
  double acc[C];
  for (std::size_t j = 0; j < C; ++j) acc[j] = accumulate ? y[j] : 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double xi = x[i];
    const double* w = W + i * C;
    for (std::size_t j = 0; j < C; ++j) acc[j] += w[j] * xi;
  }
  for (std::size_t j = 0; j < C; ++j) y[j] = acc[j];
}

template <std::size_t C>
inline void timesVec(std::size_t rows, const double* W, const double* x, double* y, bool accumulate) {
  double xr[C];
  for (std::size_t j = 0; j < C; ++j) xr[j] = x[j];
  for (std::size_t i = 0; i < rows; ++i) {
    const double* w = W + i * C;
    double s = 0.0;
    for (std::size_t j = 0; j < C; ++j) s += w[j] * xr[j];
    y[i] = accumulate ? y[i] + s : s;
  }
}

template <std::size_t C>
inline void addOuterVec(std::size_t rows, double scale, const double* a, const double* b, double* M) {
  double br[C];
  for (std::size_t j = 0; j < C; ++j) br[j] = b[j];
  for (std::size_t i = 0; i < rows; ++i) {
    const double ai = scale * a[i];
    double* m = M + i * C;
    for (std::size_t j = 0; j < C; ++j) m[j] += ai * br[j];
  }
}

template <std::size_t C>
inline void timesThenRankOneVec(std::size_t rows, const double* x, double* y, double scale, const double* a,
                                double* W) {
  double xr[C];
  for (std::size_t j = 0; j < C; ++j) xr[j] = x[j];
  for (std::size_t i = 0; i < rows; ++i) {
    double* w = W + i * C;
    if (y) {
      double s = 0.0;
      for (std::size_t j = 0; j < C; ++j) s += w[j] * xr[j];
      y[i] = s;
    }
    const double ai = scale * a[i];
    for (std::size_t j = 0; j < C; ++j) w[j] += ai * xr[j];
  }
}

#define DLN_SMALL_COLS(F, cols, ...)   \
  switch (cols) {                      \
    case 1: F<1>(__VA_ARGS__); return; \
    case 2: F<2>(__VA_ARGS__); return; \
    case 3: F<3>(__VA_ARGS__); return; \
    case 4: F<4>(__VA_ARGS__); return; \
    case 5: F<5>(__VA_ARGS__); return; \
    case 6: F<6>(__VA_ARGS__); return; \
    case 7: F<7>(__VA_ARGS__); return; \
    case 8: F<8>(__VA_ARGS__); return; \
    default: break;                    \
  }

}  // namespace

// Dot product with four interleaved partial sums, combined as (s0 + s1) + (s2 + s3): a fixed
// order (so results never depend on the machine's vector width or thread count) that breaks the
// add-latency chain of a single accumulator and lets the compiler vectorize.
inline double dot4(std::size_t n, const double* x, const double* y) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s[0] += x[j] * y[j];
    s[1] += x[j + 1] * y[j + 1];
    s[2] += x[j + 2] * y[j + 2];
    s[3] += x[j + 3] * y[j + 3];
  }
  for (std::size_t k = 0; j < n; ++j, ++k) s[k] += x[j] * y[j];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

std::size_t blasThreshold() { return g_gemmThreshold.load(std::memory_order_relaxed); }
void setBlasThreshold(std::size_t v) { g_gemmThreshold.store(v, std::memory_order_relaxed); }
std::size_t gemvThreshold() { return g_gemvThreshold.load(std::memory_order_relaxed); }
void setGemvThreshold(std::size_t v) { g_gemvThreshold.store(v, std::memory_order_relaxed); }

double dot(std::size_t n, const double* x, const double* y) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

void axpy(std::size_t n, double a, const double* x, double* y) {
  for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void transposedTimes(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
                     bool accumulate) {
#if !defined(DLN_BLAS_NONE)
  if (useBlas(cols, r, rows, r)) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cols, (int)r, (int)rows, 1.0, W, (int)cols, X, (int)r,
                accumulate ? 1.0 : 0.0, Y, (int)r);
    return;
  }
#endif
  if (r == 1) {
#if !defined(DLN_BLAS_NONE)
    if (useGemv(rows, cols)) {
      cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)cols, 1.0, W, (int)cols, X, 1, accumulate ? 1.0 : 0.0, Y,
                  1);
      return;
    }
#endif
    DLN_SMALL_COLS(transposedTimesVec, cols, rows, W, X, Y, accumulate)
  }
  if (!accumulate) std::memset(Y, 0, sizeof(double) * cols * r);
  if (r == 1) {
    for (std::size_t i = 0; i < rows; ++i) {
      const double xi = X[i];
      const double* w = W + i * cols;
      for (std::size_t j = 0; j < cols; ++j) Y[j] += w[j] * xi;
    }
    return;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const double* w = W + i * cols;
    const double* xi = X + i * r;
    for (std::size_t j = 0; j < cols; ++j) {
      const double wij = w[j];
      double* yj = Y + j * r;
      for (std::size_t c = 0; c < r; ++c) yj[c] += wij * xi[c];
    }
  }
}

void times(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
           bool accumulate) {
#if !defined(DLN_BLAS_NONE)
  if (useBlas(rows, r, cols, r)) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)r, (int)cols, 1.0, W, (int)cols, X, (int)r,
                accumulate ? 1.0 : 0.0, Y, (int)r);
    return;
  }
#endif
  if (r == 1) {
#if !defined(DLN_BLAS_NONE)
    if (useGemv(rows, cols)) {
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)cols, 1.0, W, (int)cols, X, 1, accumulate ? 1.0 : 0.0, Y,
                  1);
      return;
    }
#endif
    DLN_SMALL_COLS(timesVec, cols, rows, W, X, Y, accumulate)
    for (std::size_t i = 0; i < rows; ++i) {
      const double s = dot4(cols, W + i * cols, X);
      Y[i] = accumulate ? Y[i] + s : s;
    }
    return;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const double* w = W + i * cols;
    double* yi = Y + i * r;
    if (!accumulate) std::memset(yi, 0, sizeof(double) * r);
    for (std::size_t j = 0; j < cols; ++j) {
      const double wij = w[j];
      const double* xj = X + j * r;
      for (std::size_t c = 0; c < r; ++c) yi[c] += wij * xj[c];
    }
  }
}

void addOuter(std::size_t rows, std::size_t cols, std::size_t r, double scale, const double* A, const double* B,
              double* C) {
#if !defined(DLN_BLAS_NONE)
  if (useBlas(rows, cols, r, r)) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)r, scale, A, (int)r, B, (int)r, 1.0,
                C, (int)cols);
    return;
  }
#endif
  if (r == 1) {
    DLN_SMALL_COLS(addOuterVec, cols, rows, scale, A, B, C)
    for (std::size_t i = 0; i < rows; ++i) {
      const double a = scale * A[i];
      double* c = C + i * cols;
      for (std::size_t j = 0; j < cols; ++j) c[j] += a * B[j];
    }
    return;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const double* a = A + i * r;
    double* c = C + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      const double* b = B + j * r;
      double s = 0.0;
      for (std::size_t q = 0; q < r; ++q) s += a[q] * b[q];
      c[j] += scale * s;
    }
  }
}

void timesThenRankOne(std::size_t rows, std::size_t cols, const double* x, double* y, double scale, const double* a,
                      double* W) {
  if (y && useGemv(rows, cols)) {
    // Same product as times() (so the fused step stays bitwise equal), then the loop update.
    times(rows, cols, 1, W, x, y);
    addOuter(rows, cols, 1, scale, a, x, W);
    return;
  }
  DLN_SMALL_COLS(timesThenRankOneVec, cols, rows, x, y, scale, a, W)
  for (std::size_t i = 0; i < rows; ++i) {
    double* w = W + i * cols;
    if (y) y[i] = dot4(cols, w, x);
    const double ai = scale * a[i];
    for (std::size_t j = 0; j < cols; ++j) w[j] += ai * x[j];
  }
}

}  // namespace dln::kernels
