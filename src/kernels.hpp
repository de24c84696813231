// The core's dense kernels and their BLAS dispatch: the products along the layer chain (the only
// dense kernels the sweeps need), dot and axpy. Each call picks hand-written loops or BLAS by the
// size of the product (against thresholds calibrated by scripts/bench/kernels.js), never by what
// is installed: for tiny widths the loops are faster than any BLAS call (call overhead
// dominates), from about d = 20 dgemm wins. blas.hpp is the BLAS header and backend facts.
//
// All matrices are row-major and contiguous. `r` is the number of columns carried through the
// sweep (1 for univariate regression).
#pragma once

#include <cstddef>

namespace dln::kernels {

// Y (cols x r) = W^T X (+ Y if accumulate), W rows x cols, X rows x r.
void transposedTimes(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
                     bool accumulate = false);
// Y (rows x r) = W X (+ Y if accumulate), W rows x cols, X cols x r.
void times(std::size_t rows, std::size_t cols, std::size_t r, const double* W, const double* X, double* Y,
           bool accumulate = false);
// C (rows x cols) += scale * A B^T, A rows x r, B cols x r.
void addOuter(std::size_t rows, std::size_t cols, std::size_t r, double scale, const double* A, const double* B,
              double* C);

// One pass over W (rows x cols) for a rank-one gradient step along a chain: y = W x (with the old
// W; skipped when y is null), then W += scale * a x^T. Bitwise equal to times() then addOuter().
void timesThenRankOne(std::size_t rows, std::size_t cols, const double* x, double* y, double scale, const double* a,
                      double* W);

// Products with r >= 2 columns and m*n*k at or above this use dgemm (when built with a BLAS).
std::size_t blasThreshold();
void setBlasThreshold(std::size_t flopsProduct);
// Matrix-vector products (r = 1) with rows*cols at or above this use dgemv.
std::size_t gemvThreshold();
void setGemvThreshold(std::size_t size);

// Small helpers used on hot paths.
double dot(std::size_t n, const double* x, const double* y);
void axpy(std::size_t n, double a, const double* x, double* y);  // y += a x

}  // namespace dln::kernels

namespace dln {
// The namespace's old name (the file was chains.hpp), kept so that branches written against it
// still build when merged; new code says kernels::.
namespace chains = kernels;
}  // namespace dln
