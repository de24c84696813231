// The tridiagonal eigensolver (linalg.hpp: implicit QL) on matrices with closed-form spectra, the
// last-row variant Lanczos uses at every step, and the dense symmetric eigensolver with its cancel
// flag.
#include <atomic>
#include <cmath>
#include <vector>

#include "check.hpp"
#include "linalg.hpp"

namespace la = dln::linalg;

int main() {
  const double pi = std::acos(-1.0);
  // The (-1, 2, -1) matrix of order n: lambda_k = 2 - 2 cos(k pi / (n + 1)), eigenvector
  // entries sin(j k pi / (n + 1)) (j, k = 1..n).
  for (std::size_t n : {1u, 2u, 7u, 50u, 200u}) {
    std::vector<double> diag(n, 2.0), off(n > 0 ? n - 1 : 0, -1.0), values(n), vectors(n * n), values2(n), last(n);
    la::tridiagonalEigen(n, diag.data(), off.data(), values.data(), vectors.data());
    double worstValue = 0.0, worstResidual = 0.0, worstOrtho = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      const double exact = 2.0 - 2.0 * std::cos(static_cast<double>(k + 1) * pi / static_cast<double>(n + 1));
      worstValue = std::max(worstValue, std::fabs(values[k] - exact));
      // ||T v - lambda v|| for the column k.
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        double tv = diag[i] * vectors[i * n + k];
        if (i > 0) tv += off[i - 1] * vectors[(i - 1) * n + k];
        if (i + 1 < n) tv += off[i] * vectors[(i + 1) * n + k];
        r += (tv - values[k] * vectors[i * n + k]) * (tv - values[k] * vectors[i * n + k]);
      }
      worstResidual = std::max(worstResidual, std::sqrt(r));
      for (std::size_t l = 0; l < n; ++l) {
        double d = 0.0;
        for (std::size_t i = 0; i < n; ++i) d += vectors[i * n + k] * vectors[i * n + l];
        worstOrtho = std::max(worstOrtho, std::fabs(d - (k == l ? 1.0 : 0.0)));
      }
    }
    CHECK(worstValue <= 1e-14, "eigenvalues of the (-1, 2, -1) matrix match 2 - 2cos(k pi/(n+1))");
    CHECK(worstResidual <= 1e-13, "||T v - lambda v|| at rounding level");
    CHECK(worstOrtho <= 1e-13, "eigenvectors orthonormal");
    for (std::size_t k = 1; k < n; ++k) CHECK(values[k] >= values[k - 1], "ascending");
    // The last-row variant: the same eigenvalues and the last row of the same vectors, bit for bit.
    la::tridiagonalEigenLastRow(n, diag.data(), off.data(), values2.data(), last.data());
    bool same = true;
    for (std::size_t k = 0; k < n; ++k)
      same = same && check::sameBits(values2[k], values[k]) && check::sameBits(last[k], vectors[(n - 1) * n + k]);
    CHECK(same, "tridiagonalEigenLastRow = tridiagonalEigen's values and last row, bit for bit");
  }
  // A graded matrix (entries over 20 orders of magnitude) with a known determinant: the product
  // of the eigenvalues equals det(T) from the three-term recurrence, to rounding.
  {
    const std::size_t n = 12;
    std::vector<double> diag(n), off(n - 1), values(n);
    for (std::size_t i = 0; i < n; ++i) diag[i] = std::pow(10.0, static_cast<double>(i) - 6.0);
    for (std::size_t i = 0; i + 1 < n; ++i) off[i] = 0.1 * std::pow(10.0, static_cast<double>(i) - 6.0);
    la::tridiagonalEigen(n, diag.data(), off.data(), values.data());
    long double det = diag[0], prev = 1.0L;
    for (std::size_t i = 1; i < n; ++i) {
      const long double next = diag[i] * det - static_cast<long double>(off[i - 1]) * off[i - 1] * prev;
      prev = det;
      det = next;
    }
    long double product = 1.0L, trace = 0.0L, exactTrace = 0.0L;
    for (std::size_t i = 0; i < n; ++i) {
      product *= values[i];
      trace += values[i];
      exactTrace += diag[i];
    }
    CHECK_REL(static_cast<double>(product), static_cast<double>(det), 1e-10, "product of eigenvalues = det(T)");
    CHECK_REL(static_cast<double>(trace), static_cast<double>(exactTrace), 1e-15, "sum of eigenvalues = trace(T)");
  }
  // The dense symmetric eigensolver on Q diag(d) Q^T with a Householder Q, and its cancel flag.
  {
    const std::size_t n = 30;
    std::vector<double> v(n), A(n * n), values(n), vectors(n * n);
    double vv = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = std::sin(1.0 + 3.0 * static_cast<double>(i));
      vv += v[i] * v[i];
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double a = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
          const double qik = (i == k ? 1.0 : 0.0) - 2.0 * v[i] * v[k] / vv;
          const double qjk = (j == k ? 1.0 : 0.0) - 2.0 * v[j] * v[k] / vv;
          a += qik * (static_cast<double>(k) - 10.0) * qjk;  // eigenvalues -10 .. 19
        }
        A[i * n + j] = a;
      }
    la::symmetricEigen(n, A.data(), values.data(), vectors.data());
    double worst = 0.0;
    for (std::size_t k = 0; k < n; ++k) worst = std::max(worst, std::fabs(values[k] - (static_cast<double>(k) - 10.0)));
    CHECK(worst <= 1e-12, "dense eigenvalues of Q diag(-10..19) Q^T");
    std::atomic<bool> raised{true};
    CHECK_THROWS(la::symmetricEigen(n, A.data(), values.data(), vectors.data(), dln::CancelFlag(&raised)),
                 dln::ErrorCode::Cancelled, "a raised cancel flag stops the dense eigensolver");
    raised = false;
    la::symmetricEigen(n, A.data(), values.data(), nullptr, dln::CancelFlag(&raised));
    CHECK_NEAR(values[0], -10.0, 1e-12, "a lowered flag changes nothing");
  }
  return check::done("tridiagonal_test");
}
