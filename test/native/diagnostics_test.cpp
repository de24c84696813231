// The weight diagnostics' arithmetic: balancedness D_l = W_{l+1}^T W_{l+1} - W_l W_l^T keeps the
// bits of one sum per entry over k in increasing order (the reference below, the loop it
// replaced) while walking contiguous memory; and it is the matrix it claims to be (against a
// direct evaluation in long double).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.hpp"
#include "diagnostics.hpp"
#include "network.hpp"
#include "rng.hpp"

namespace {

std::vector<double> reference(const dln::NetworkSpec& spec, const double* theta, std::size_t l) {
  const std::size_t d = spec.rows(l), c = spec.cols(l), r = spec.rows(l + 1);
  const double* W = theta + spec.offset(l);
  const double* Wn = theta + spec.offset(l + 1);
  std::vector<double> D(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      double a = 0.0, b = 0.0;
      for (std::size_t k = 0; k < r; ++k) a += Wn[k * d + i] * Wn[k * d + j];
      for (std::size_t k = 0; k < c; ++k) b += W[i * c + k] * W[j * c + k];
      D[i * d + j] = D[j * d + i] = a - b;
    }
  return D;
}

}  // namespace

int main() {
  const std::vector<std::vector<std::size_t>> shapes = {{1, 1, 1},    {3, 1, 2},    {5, 5, 5, 5},  {2, 7, 3, 9, 1},
                                                        {13, 17, 11}, {40, 33, 29}, {1, 64, 64, 1}};
  std::size_t entries = 0, sameBits = 0;
  double worstExact = 0.0;
  for (std::size_t s = 0; s < shapes.size(); ++s) {
    const dln::NetworkSpec spec(shapes[s], {});
    dln::Rng rng(s + 1, dln::Purpose::Init);
    std::vector<double> theta(spec.paramCount());
    for (double& t : theta) t = rng.normal() * std::ldexp(1.0, static_cast<int>(rng.uniform() * 8) - 4);
    for (std::size_t l = 0; l + 1 < spec.depth(); ++l) {
      const std::vector<double> D = dln::diagnostics::balancedness(spec, theta.data(), l);
      const std::vector<double> R = reference(spec, theta.data(), l);
      const std::size_t d = spec.rows(l);
      CHECK(D.size() == d * d, "a d x d matrix");
      for (std::size_t i = 0; i < D.size(); ++i) {
        ++entries;
        if (std::memcmp(&D[i], &R[i], sizeof(double)) == 0) ++sameBits;
      }
      // Against long double: the entries are sums of r + c products, exact to a few ulps of
      // their magnitudes.
      const double* W = theta.data() + spec.offset(l);
      const double* Wn = theta.data() + spec.offset(l + 1);
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) {
          long double e = 0.0L, mag = 0.0L;
          for (std::size_t k = 0; k < spec.rows(l + 1); ++k) {
            e += static_cast<long double>(Wn[k * d + i]) * Wn[k * d + j];
            mag += std::fabs(static_cast<long double>(Wn[k * d + i]) * Wn[k * d + j]);
          }
          for (std::size_t k = 0; k < spec.cols(l); ++k) {
            e -= static_cast<long double>(W[i * spec.cols(l) + k]) * W[j * spec.cols(l) + k];
            mag += std::fabs(static_cast<long double>(W[i * spec.cols(l) + k]) * W[j * spec.cols(l) + k]);
          }
          worstExact = std::max(worstExact, static_cast<double>(std::fabs(D[i * d + j] - e) / mag));
        }
    }
  }
  std::printf("balancedness: %zu of %zu entries bitwise the per-entry sums; worst %.3g of the products' magnitude\n",
              sameBits, entries, worstExact);
  CHECK(entries > 9000, "the shapes cover many entries (9 761)");
  CHECK(sameBits == entries, "every entry keeps the bits of one sum per entry in increasing k");
  CHECK(worstExact <= 1e-13, "the entries are W_{l+1}^T W_{l+1} - W_l W_l^T to rounding");
  // A false case: the reference with its k loop reversed differs in some entries' bits.
  {
    const dln::NetworkSpec spec({40, 33, 29}, {});
    dln::Rng rng(6, dln::Purpose::Init);
    std::vector<double> theta(spec.paramCount());
    for (double& t : theta) t = rng.normal();
    const std::vector<double> D = dln::diagnostics::balancedness(spec, theta.data(), 0);
    const double* Wn = theta.data() + spec.offset(1);
    const double* W = theta.data();
    const std::size_t d = 33, c = 40, r = 29;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = i; j < d; ++j) {
        double a = 0.0, b = 0.0;
        for (std::size_t k = r; k-- > 0;) a += Wn[k * d + i] * Wn[k * d + j];
        for (std::size_t k = 0; k < c; ++k) b += W[i * c + k] * W[j * c + k];
        if (a - b != D[i * d + j]) ++differ;
      }
    CHECK(differ > 0, "false case: another summation order gives other bits");
  }
  return check::done("diagnostics_test");
}
