#include "kernels.hpp"

#include <atomic>

#include "blas.hpp"
#include "kernels/chain_kernels.hpp"

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
}  // namespace

std::size_t blasThreshold() { return g_gemmThreshold.load(std::memory_order_relaxed); }
void setBlasThreshold(std::size_t v) { g_gemmThreshold.store(v, std::memory_order_relaxed); }
std::size_t gemvThreshold() { return g_gemvThreshold.load(std::memory_order_relaxed); }
void setGemvThreshold(std::size_t v) { g_gemvThreshold.store(v, std::memory_order_relaxed); }

double dot(std::size_t n, const double* x, const double* y) { return chainKernels().dot(n, x, y); }

void axpy(std::size_t n, double a, const double* x, double* y) { chainKernels().axpy(n, a, x, y); }

void transposedTimes(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
                     bool accumulate) {
#if !defined(DLN_BLAS_NONE)
  if (useBlas(cols, r, rows, r)) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cols, (int)r, (int)rows, 1.0, W, (int)cols, X, (int)r,
                accumulate ? 1.0 : 0.0, Y, (int)r);
    return;
  }
  if (r == 1 && useGemv(rows, cols)) {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)rows, (int)cols, 1.0, W, (int)cols, X, 1, accumulate ? 1.0 : 0.0, Y, 1);
    return;
  }
#endif
  chainKernels().transposedTimes(rows, cols, r, W, X, Y, accumulate);
}

void times(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
           bool accumulate) {
#if !defined(DLN_BLAS_NONE)
  if (useBlas(rows, r, cols, r)) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)r, (int)cols, 1.0, W, (int)cols, X, (int)r,
                accumulate ? 1.0 : 0.0, Y, (int)r);
    return;
  }
  if (r == 1 && useGemv(rows, cols)) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)cols, 1.0, W, (int)cols, X, 1, accumulate ? 1.0 : 0.0, Y,
                1);
    return;
  }
#endif
  chainKernels().times(rows, cols, r, W, X, Y, accumulate);
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
  chainKernels().addOuter(rows, cols, r, scale, A, B, C);
}

void timesThenRankOne(std::size_t rows, std::size_t cols, const double* x, double* y, double scale, const double* a,
                      double* W) {
  if (y && useGemv(rows, cols)) {
    // Same product as times() (so the fused step stays bitwise equal), then the loop update.
    times(rows, cols, 1, W, x, y);
    addOuter(rows, cols, 1, scale, a, x, W);
    return;
  }
  chainKernels().timesThenRankOne(rows, cols, x, y, scale, a, W);
}

}  // namespace dln::kernels
