// The core's decompositions across the whole double range (src/linalg.cpp, power-of-two
// prescaling): for every scale c, eigenvalues of c A are c times those of A, Gram matrices c^2
// times, norms c times -- bitwise for c a power of two (the scaling is exact), to rounding for
// powers of ten. Before the prescaling, symmetricEigen returned NaN from 1e200 and wrong values
// from 1e-200 (products of off-diagonals over- and underflowed); frobeniusNorm overflowed to Inf
// from 1e155 and returned 0 below 1e-162.
// Built and run by CTest (test/native/*_test.cpp, linked against dln_core).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "linalg.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what, double c, double got, double want) {
  if (ok) return;
  ++failures;
  if (failures <= 20) std::printf("FAIL %s at c = %.17g: got %.17g, want %.17g\n", what, c, got, want);
}

// |got - want| <= tol scale (tol = 0: bitwise). Eigenvalues are compared at the scale of the
// largest: rounding c A's entries moves each by up to eps |A|, and the solvers are backward stable.
void near(const char* what, double c, double got, double want, double tol, double scale) {
  check(tol == 0.0 ? got == want : std::fabs(got - want) <= tol * scale, what, c, got, want);
}
void near(const char* what, double c, double got, double want, double tol) {
  near(what, c, got, want, tol, std::fabs(want));
}

constexpr double kEps = 2.220446049250313e-16;

std::vector<double> scaled(const std::vector<double>& a, double c) {
  std::vector<double> out(a);
  for (double& v : out) v *= c;
  return out;
}

std::vector<double> scales(bool binary) {
  std::vector<double> s;
  if (binary) {
    for (int k = -1000; k <= 1000; k += 50) s.push_back(std::ldexp(1.0, k));
  } else {
    for (int k = -300; k <= 300; k += 25) s.push_back(std::pow(10.0, k));
  }
  return s;
}

void symmetricEigenAcrossRange() {
  const std::size_t n = 4;
  // Eigenvalues 0.27 ... 7.6, well separated: the vectors are well defined.
  const std::vector<double> A = {4, 1, 0.5, 0.25, 1, 3, 0.2, 0.1, 0.5, 0.2, 2, 0.3, 0.25, 0.1, 0.3, 0.5};
  std::vector<double> ref(n), refV(n * n), v(n), V(n * n);
  dln::linalg::symmetricEigen(n, A.data(), ref.data(), refV.data());
  for (bool binary : {true, false}) {
    for (double c : scales(binary)) {
      const std::vector<double> B = scaled(A, c);
      dln::linalg::symmetricEigen(n, B.data(), v.data(), V.data());
      const double top = std::fabs(ref[n - 1] * c);
      for (std::size_t i = 0; i < n; ++i)
        near("symmetricEigen value", c, v[i], ref[i] * c, binary ? 0.0 : 16 * kEps, top);
      for (std::size_t i = 0; i < n * n; ++i) {
        check(binary ? V[i] == refV[i] : std::fabs(V[i] - refV[i]) < 1e-13, "symmetricEigen vector", c, V[i], refV[i]);
      }
    }
  }
}

void tridiagonalAcrossRange() {
  const std::size_t n = 5;
  const std::vector<double> diag = {2, -1, 3, 0.5, 4}, off = {1, 0.7, -0.3, 1.2};
  std::vector<double> ref(n), refLast(n), v(n), last(n), full(n), fullV(n * n);
  dln::linalg::tridiagonalEigenLastRow(n, diag.data(), off.data(), ref.data(), refLast.data());
  for (bool binary : {true, false}) {
    for (double c : scales(binary)) {
      const std::vector<double> d = scaled(diag, c), o = scaled(off, c);
      dln::linalg::tridiagonalEigenLastRow(n, d.data(), o.data(), v.data(), last.data());
      dln::linalg::tridiagonalEigen(n, d.data(), o.data(), full.data(), fullV.data());
      const double top = std::max(std::fabs(ref[0]), std::fabs(ref[n - 1])) * c;
      for (std::size_t i = 0; i < n; ++i) {
        near("tridiagonalEigenLastRow value", c, v[i], ref[i] * c, binary ? 0.0 : 16 * kEps, top);
        near("tridiagonalEigen value", c, full[i], v[i], 0.0);  // the two agree bitwise
        check(binary ? last[i] == refLast[i] : std::fabs(last[i] - refLast[i]) < 1e-13, "last row", c, last[i],
              refLast[i]);
      }
    }
  }
}

void gramAndNormAcrossRange() {
  const std::size_t m = 6, n = 3;
  const std::vector<double> A = {1, 2, 3, -4, 5, 6, 7, -8, 9, 0.1, 0.2, 0.3, -1, 1, -1, 2.5, 0, 1};
  std::vector<double> ref(n * n), C(n * n);
  dln::linalg::gram(m, n, A.data(), static_cast<double>(m), ref.data());
  const double refNorm = dln::linalg::frobeniusNorm(m * n, A.data());
  for (bool binary : {true, false}) {
    for (double c : scales(binary)) {
      const std::vector<double> B = scaled(A, c);
      near("frobeniusNorm", c, dln::linalg::frobeniusNorm(m * n, B.data()), refNorm * c, binary ? 0.0 : 4e-16);
      // A^T A / m is representable (and normal) for |c| within about 2^+-500.
      if (std::fabs(std::log2(c)) > 500) continue;
      dln::linalg::gram(m, n, B.data(), static_cast<double>(m), C.data());
      for (std::size_t i = 0; i < n * n; ++i) near("gram", c, C[i], ref[i] * c * c, binary ? 0.0 : 1e-14);
    }
  }
}

}  // namespace

int main() {
  symmetricEigenAcrossRange();
  tridiagonalAcrossRange();
  gramAndNormAcrossRange();
  if (failures > 0) {
    std::printf("linalg_scaling_test: %d failures\n", failures);
    return 1;
  }
  std::printf("linalg_scaling_test: ok\n");
  return 0;
}
