// The exact sharpness and its products at every step of 18 Marion-Chizat runs (scale 0.25, 0.35,
// 0.5; eta 0.02, 0.1, 0.2; seeds 1, 2; 600 steps, warm Lanczos at tol 1e-10), for comparing the
// eigensolver of two builds: run it at the old commit into a file, then at the new one with
// --against FILE, which prints the largest relative difference, how many values kept their bits,
// and the products of both (total, and solves whose count changed). Diverged runs stop early,
// the same in both builds (gradient descent does not read the sharpness).
//   build/native/sharpness_series > old.txt          (at the old commit)
//   build/native/sharpness_series --against old.txt  (at the new one)
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "blas.hpp"
#include "gd.hpp"
#include "init.hpp"

using namespace dln;

namespace {

struct Row {
  double scale, eta;
  unsigned long long seed, step;
  double sharpness, products;
};

std::vector<Row> series() {
  Problem problem = marionChizatBenchProblem();
  std::vector<Row> rows;
  for (double scale : {0.25, 0.35, 0.5})
    for (double eta : {0.02, 0.1, 0.2})
      for (std::uint64_t seed : {1, 2}) {
        InitOptions io;
        io.scale = scale;
        io.seed = seed;
        const auto theta0 = initialize(problem.spec(), io);
        GdOptions o;
        o.learningRate = eta;
        o.maxSteps = 600;
        o.recordEvery = 1;
        o.record = {"sharpness", "sharpnessHvps"};
        RunControl control;
        GdResult r = gradientDescent(problem, theta0, o, control);
        const auto& s = r.trace.column(r.trace.find("sharpness")).values;
        const auto& h = r.trace.column(r.trace.find("sharpnessHvps")).values;
        for (std::size_t i = 0; i < s.size(); ++i) rows.push_back({scale, eta, seed, i, s[i], h[i]});
      }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  setBlasThreads(1);
  const std::vector<Row> rows = series();
  if (argc == 3 && std::strcmp(argv[1], "--against") == 0) {
    std::FILE* f = std::fopen(argv[2], "r");
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", argv[2]);
      return 2;
    }
    std::vector<Row> old;
    Row r;
    while (std::fscanf(f, "%lg %lg %llu %llu %lg %lg", &r.scale, &r.eta, &r.seed, &r.step, &r.sharpness, &r.products) ==
           6)
      old.push_back(r);
    std::fclose(f);
    if (old.size() != rows.size()) {
      std::fprintf(stderr, "%zu recordings against %zu: not the same runs\n", rows.size(), old.size());
      return 1;
    }
    double worst = 0.0, oldProducts = 0.0, newProducts = 0.0;
    std::size_t same = 0, moved = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double a = old[i].sharpness, b = rows[i].sharpness;
      same += a == b;
      worst = std::max(worst, std::fabs(a - b) / std::max(std::fabs(a), 1e-300));
      oldProducts += old[i].products;
      newProducts += rows[i].products;
      moved += old[i].products != rows[i].products;
    }
    std::printf(
        "{\"recordings\": %zu, \"maxRelativeDifference\": %.3g, \"sameBits\": %zu, \"productsBefore\": %.0f, "
        "\"productsNow\": %.0f, \"solvesWithOtherProducts\": %zu}\n",
        rows.size(), worst, same, oldProducts, newProducts, moved);
    return 0;
  }
  for (const Row& r : rows)
    std::printf("%g %g %llu %llu %.17g %g\n", r.scale, r.eta, r.seed, r.step, r.sharpness, r.products);
  return 0;
}
