// Loops vs BLAS for the three chain products, across widths, measured in one run: the data for
// the dispatch threshold in src/kernels.cpp (m*n*k >= threshold goes to BLAS). Prints JSON.
#include <cstdio>
#include <vector>

#include "bench_common.hpp"
#include "blas.hpp"
#include "kernels.hpp"
#include "rng.hpp"

using namespace dln;

int main() {
  setBlasThreads(1);
  const std::size_t gemmDefault = kernels::blasThreshold(), gemvDefault = kernels::gemvThreshold();
  Rng rng(1, Purpose::Data);
  std::printf("{\"blas\": \"%s\", \"rows\": [\n", blasVendor());
  const std::size_t widths[] = {2, 5, 10, 20, 30, 50, 100, 200, 500};
  const std::size_t columns[] = {1, 10};
  bool first = true;
  for (std::size_t r : columns) {
    for (std::size_t d : widths) {
      std::vector<double> W(d * d), X(d * r), Y(d * r), C(d * d);
      for (auto& v : W) v = rng.normal();
      for (auto& v : X) v = rng.normal();
      const std::uint64_t calls = std::max<std::uint64_t>(20, 20000000 / (d * d * r + 50));
      auto measure = [&](std::size_t threshold) {
        kernels::setBlasThreshold(threshold);
        kernels::setGemvThreshold(threshold);
        double t1 = bestNsPerCall(
            [&] {
              kernels::transposedTimes(d, d, r, W.data(), X.data(), Y.data());
              sink(Y[0]);
            },
            calls);
        double t2 = bestNsPerCall(
            [&] {
              kernels::times(d, d, r, W.data(), X.data(), Y.data());
              sink(Y[0]);
            },
            calls);
        double t3 = bestNsPerCall(
            [&] {
              kernels::addOuter(d, d, r, 1e-9, X.data(), X.data(), C.data());
              sink(C[0]);
            },
            calls);
        return std::vector<double>{t1, t2, t3};
      };
      const auto loops = measure(static_cast<std::size_t>(-1));
      // r = 1 never uses BLAS inside the kernels; call dgemv/dger directly for the comparison.
      std::vector<double> blas;
      if (r == 1) {
#if !defined(DLN_BLAS_NONE)
        const int n = static_cast<int>(d);
        blas.push_back(bestNsPerCall(
            [&] {
              cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, W.data(), n, X.data(), 1, 0.0, Y.data(), 1);
              sink(Y[0]);
            },
            calls));
        blas.push_back(bestNsPerCall(
            [&] {
              cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, W.data(), n, X.data(), 1, 0.0, Y.data(), 1);
              sink(Y[0]);
            },
            calls));
        blas.push_back(bestNsPerCall(
            [&] {
              cblas_dger(CblasRowMajor, n, n, 1e-9, X.data(), 1, X.data(), 1, C.data(), n);
              sink(C[0]);
            },
            calls));
#endif
      } else {
        blas = measure(1);
      }
      const double flops = 2.0 * d * d * r;
      std::printf("%s  {\"d\": %zu, \"r\": %zu, \"flopsProduct\": %zu, \"loopNs\": [%.1f, %.1f, %.1f]",
                  first ? "" : ",\n", d, r, d * d * r, loops[0], loops[1], loops[2]);
      if (!blas.empty()) {
        std::printf(", \"blasNs\": [%.1f, %.1f, %.1f], \"loopOverBlas\": [%.2f, %.2f, %.2f], \"blasGflops\": %.2f",
                    blas[0], blas[1], blas[2], loops[0] / blas[0], loops[1] / blas[1], loops[2] / blas[2],
                    flops / blas[1]);
      }
      std::printf("}");
      first = false;
    }
  }
  kernels::setBlasThreshold(gemmDefault);
  kernels::setGemvThreshold(gemvDefault);
  std::printf("\n], \"gemmThreshold\": %zu, \"gemvThreshold\": %zu}\n", kernels::blasThreshold(),
              kernels::gemvThreshold());
}
