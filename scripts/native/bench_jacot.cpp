// One gradient-descent step on Jacot et al.'s deep setting (L=4, w=100, d_0=d_L=10, N=100) against
// the time its products would take at the machine's dgemm rate measured in the same run: per
// step 6 r P flops of chain products (r = 10) -- the 1.5e6-step run at 60 s needs 40 us.
// Prints JSON.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "gd.hpp"
#include "init.hpp"
#include "losses/mse.hpp"

using namespace dln;

int main(int argc, char** argv) {
  setBlasThreads(1);
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem problem(NetworkSpec({10, 100, 100, 100, 10}, {}),
                  std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
  InitOptions io;
  io.scale = 0.01;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  GdOptions o;
  o.learningRate = 1e-3;
  o.maxSteps = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  o.record = {"loss"};
  RunControl control;
  const double step = bestNsPerCall([&] { sink(gradientDescent(problem, theta, o, control).weights[0]); }, 1,
                                    o.maxSteps > 100000 ? 1 : 3) /
                      static_cast<double>(o.maxSteps);
  // dgemm rate on the step's typical product: 100 x 100 times 100 x 10.
  std::vector<double> A(100 * 100, 0.01), B(100 * 10, 1.0), C(100 * 10);
  const double gemm = bestNsPerCall(
      [&] {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 100, 10, 100, 1.0, A.data(), 100, B.data(), 10, 0.0,
                    C.data(), 10);
        sink(C[0]);
      },
      20000);
  const double gflops = 2.0 * 100 * 100 * 10 / gemm;
  const double P = 10 * 100 + 2 * 100 * 100 + 100 * 10;
  const double flops = 6.0 * 10 * P;
  std::printf(
      "{\"steps\": %llu, \"stepUs\": %.2f, \"dgemmGflops\": %.2f, \"stepGflops\": %.2f, \"fractionOfDgemm\": %.2f, "
      "\"projected1p5e6Seconds\": %.1f}\n",
      static_cast<unsigned long long>(o.maxSteps), step / 1e3, gflops, flops / step, (flops / step) / gflops,
      step * 1.5e6 / 1e9);
}
