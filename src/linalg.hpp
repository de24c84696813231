// Small dense linear algebra the core needs on d_0 x d_0 and d_L x d_0 matrices (and, for the
// test oracle, the dense Hessian): written here rather than taken from LAPACK so the core builds
// the same against OpenBLAS, Accelerate or no BLAS at all. Row-major throughout.
#pragma once

#include <cstddef>
#include <vector>

#include "control.hpp"

namespace dln::linalg {

// Eigen-decomposition of a symmetric n x n matrix (Householder tridiagonalization + implicit QL).
// Eigenvalues ascending. If `vectors` is non-null it receives the eigenvectors as the *columns*
// of an n x n row-major matrix. `cancel` is polled once per Householder column and per QL
// eigenvalue (O(n^2) work between polls), for the dense Hessians of big problems.
void symmetricEigen(std::size_t n, const double* A, double* values, double* vectors = nullptr, CancelFlag cancel = {});

// Eigenvalues (ascending) and optionally eigenvectors (columns, n x n) of the symmetric
// tridiagonal matrix with diagonal `diag` (n) and off-diagonal `off` (n-1).
void tridiagonalEigen(std::size_t n, const double* diag, const double* off, double* values, double* vectors = nullptr);
// The same eigenvalues (bitwise) and only the last row of the eigenvector matrix (lastRow[i] is
// the last component of eigenvector i), in O(n^2) instead of O(n^3): what Lanczos' residual
// estimates need at every step.
void tridiagonalEigenLastRow(std::size_t n, const double* diag, const double* off, double* values, double* lastRow);

// Thin SVD of an m x n matrix by one-sided Jacobi, accurate for small singular values too.
// Singular values descending (min(m, n) of them). U is m x k, V is n x k (k = min(m, n)), both
// optional.
void svd(std::size_t m, std::size_t n, const double* A, double* singular, double* U = nullptr, double* V = nullptr);

// Minimum-norm least-squares solution W (n x q) of X W ~ Y, X m x n, Y m x q: W = X^+ Y, with
// singular values below rcond * s_max treated as zero. Returns the numerical rank of X.
std::size_t leastSquares(std::size_t m, std::size_t n, std::size_t q, const double* X, const double* Y, double* W,
                         double rcond = -1.0);

// C = A^T A / scale (A m x n, C n x n).
void gram(std::size_t m, std::size_t n, const double* A, double scale, double* C);

double frobeniusNorm(std::size_t count, const double* A);

}  // namespace dln::linalg
