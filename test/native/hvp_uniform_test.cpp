// The Hessian-vector product's whole-chain sweeps at uniform small widths (chain_kernels.hpp
// uniformBackward / uniformForward) give the bits of the per-layer kernels (backwardFused /
// forwardAndOutput, as hessian.cpp calls them layer by layer), at every CPU level this machine
// supports:
//  - the kernels alone, on random blocks with signed zeros and subnormals among the entries, widths
//    C = 1..8, depths 1..10, last layer R = 1, 2, C, with and without the L2 term;
//  - HessianOperator::apply against the per-layer loop written out here (the code before the sweeps),
//    on uniform networks (the whole-chain path, asserted taken) and ragged ones (the per-layer path),
//    and in place (out == v);
//  - false cases: a per-layer reference that sums a row (or accumulates the rows) in another order
//    must differ somewhere, so the comparison can fail.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "check.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "kernels.hpp"
#include "kernels/chain_kernels.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "losses/regression.hpp"

using namespace dln;

namespace {

std::uint64_t g_state = 0x9e3779b97f4a7c15ULL;
double uniform01() {
  g_state = g_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<double>(g_state >> 11) / 9007199254740992.0;
}
// Mostly O(1) values; now and then a signed zero or a subnormal (the sums' 0.0 start and the
// products' signs matter there).
double entry() {
  const double u = uniform01();
  if (u < 0.03) return -0.0;
  if (u < 0.05) return 0.0;
  if (u < 0.06) return (uniform01() - 0.5) * 1e-310;
  return 2.0 * uniform01() - 1.0;
}
std::vector<double> entries(std::size_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = entry();
  return v;
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// How a per-layer reference orders its sums: as the kernels (Kernel), or perturbed (false cases).
enum class Order { Kernel, RowReversed, RowsReversed };

// The per-layer backward sweep (hessian.cpp's loop): da_{l-1} = W_l^T da_l + V_l^T a_l.
void backwardReference(const kernels::ChainKernels& k, Order order, std::size_t C, std::size_t L, std::size_t R,
                       const double* W, const double* V, const double* alpha, double* dAlpha, double* dw) {
  for (std::size_t l = L; l-- > 0;) {
    const std::size_t rows = l + 1 == L ? R : C;
    const double* x = l + 1 == L ? nullptr : dAlpha + l * C;
    double* next = l == 0 ? dw : dAlpha + (l - 1) * C;
    const double* w = W + l * C * C;
    const double* v = V + l * C * C;
    const double* a = alpha + l * C;
    if (order != Order::RowsReversed) {
      k.backwardFused(rows, C, w, x, v, a, next);
      continue;
    }
    for (std::size_t j = 0; j < C; ++j) {
      double acc = 0.0;
      for (std::size_t i = rows; i-- > 0;) acc += w[i * C + j] * (x ? x[i] : 0.0) + v[i * C + j] * a[i];
      next[j] = acc;
    }
  }
}

// The per-layer forward sweep: db_{l+1} = W_l db_l + V_l b_l, out_l = da_l b_l^T + a_l db_l^T (+ 2 l2 V_l).
void forwardReference(const kernels::ChainKernels& k, Order order, std::size_t C, std::size_t L, std::size_t R,
                      const double* W, const double* V, const double* beta, double* dBeta, const double* dAlpha,
                      const double* alpha, double twoL2, double* out) {
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t rows = l + 1 == L ? R : C;
    double* next = l + 1 < L ? dBeta + (l + 1) * C : nullptr;
    const double* w = W + l * C * C;
    const double* v = V + l * C * C;
    const double* db = dBeta + l * C;
    const double* b = beta + l * C;
    if (order == Order::RowReversed && next) {
      for (std::size_t i = 0; i < rows; ++i) {
        double s = 0.0;
        for (std::size_t j = C; j-- > 0;) s += w[i * C + j] * db[j] + v[i * C + j] * b[j];
        next[i] = s;
      }
      k.forwardAndOutput(rows, C, w, v, db, b, nullptr, dAlpha + l * C, alpha + l * C, twoL2, out + l * C * C);
      continue;
    }
    k.forwardAndOutput(rows, C, w, v, db, b, next, dAlpha + l * C, alpha + l * C, twoL2, out + l * C * C);
  }
}

struct KernelCase {
  std::size_t C, L, R;
  std::vector<double> W, V, alpha, beta, db0;
  KernelCase(std::size_t C_, std::size_t L_, std::size_t R_) : C(C_), L(L_), R(R_) {
    const std::size_t P = (L - 1) * C * C + R * C;
    W = entries(P);
    V = entries(P);
    alpha = entries((L - 1) * C + R);
    beta = entries(L * C);
    db0 = entries(C);
  }
  std::size_t P() const { return (L - 1) * C * C + R * C; }
};

// One kernel case at the active level: the whole-chain sweeps against the per-layer reference.
// Returns whether dAlpha, dw and out agree bit for bit (the reference's order is `order`).
bool kernelsAgree(const kernels::ChainKernels& k, const KernelCase& c, double twoL2, Order order) {
  const std::size_t C = c.C, L = c.L, R = c.R;
  std::vector<double> daRef((L - 1) * C + R, 0.0), dwRef(C), outRef(c.P());
  std::vector<double> daNew(daRef), dwNew(C), outNew(c.P());
  std::vector<double> dbRef(L * C, 0.0);
  backwardReference(k, order, C, L, R, c.W.data(), c.V.data(), c.alpha.data(), daRef.data(), dwRef.data());
  std::copy(c.db0.begin(), c.db0.end(), dbRef.begin());
  forwardReference(k, order, C, L, R, c.W.data(), c.V.data(), c.beta.data(), dbRef.data(), daRef.data(), c.alpha.data(),
                   twoL2, outRef.data());
  k.uniformBackward(C, L, R, c.W.data(), c.V.data(), c.alpha.data(), daNew.data(), dwNew.data());
  k.uniformForward(C, L, R, c.W.data(), c.V.data(), c.beta.data(), c.db0.data(), daNew.data(), c.alpha.data(), twoL2,
                   outNew.data());
  return sameBits(daRef, daNew) && sameBits(dwRef, dwNew) && sameBits(outRef, outNew);
}

// The operator's product against the per-layer loop over the evaluator's cached blocks (the
// code before the whole-chain sweeps: hessian.cpp's applyUnivariate below the dgemv threshold).
std::vector<double> operatorReference(const Evaluator& ev, const double* v) {
  const Problem& problem = ev.problem();
  const NetworkSpec& spec = problem.spec();
  const std::size_t L = spec.depth();
  const kernels::ChainKernels& k = kernels::chainKernels();
  std::vector<std::vector<double>> dAlpha(L + 1), dBeta(L);
  for (std::size_t l = 0; l < L; ++l) {
    dAlpha[l].assign(spec.rows(l), 0.0);
    dBeta[l].assign(spec.cols(l), 0.0);
  }
  dAlpha[L].assign(spec.inputDim(), 0.0);
  for (std::size_t l = L; l-- > 0;) {
    const double* x = l + 1 == L ? nullptr : dAlpha[l].data();
    double* next = l == 0 ? dAlpha[L].data() : dAlpha[l - 1].data();
    k.backwardFused(spec.rows(l), spec.cols(l), ev.theta() + spec.offset(l), x, v + spec.offset(l), ev.alpha(l), next);
  }
  problem.loss().hessianAction(dAlpha[L].data(), dBeta[0].data());
  std::vector<double> out(spec.paramCount());
  for (std::size_t l = 0; l < L; ++l) {
    double* next = l + 1 < L ? dBeta[l + 1].data() : nullptr;
    k.forwardAndOutput(spec.rows(l), spec.cols(l), ev.theta() + spec.offset(l), v + spec.offset(l), dBeta[l].data(),
                       ev.beta(l), next, dAlpha[l].data(), ev.alpha(l), 2.0 * problem.l2(),
                       out.data() + spec.offset(l));
  }
  return out;
}

// HessianOperator::apply at a random point of a network, against operatorReference.
void checkOperator(const std::vector<std::size_t>& widths, double l2, bool wholeChain, const std::string& at) {
  const std::size_t n = 12, d = widths.front(), R = widths.back();
  std::vector<double> X = entries(n * d), y = entries(n), projection(R);
  for (std::size_t i = 0; i < R; ++i) projection[i] = 1.0 + 0.25 * static_cast<double>(i);
  Problem problem(NetworkSpec(widths, projection), std::make_shared<RegressionLoss>(n, d, X.data(), y.data()), l2);
  std::vector<double> theta = entries(problem.spec().paramCount());
  Evaluator ev(problem);
  ev.evaluate(theta.data());
  ev.completeGradient();
  HessianOperator H(ev);
  std::string shape;
  for (std::size_t w : widths) shape += std::to_string(w) + ",";
  const std::string what = at + " widths " + shape + " l2 " + std::to_string(l2);
  CHECK(H.wholeChain() == wholeChain,
        "whole-chain sweeps " + std::string(wholeChain ? "taken" : "not taken") + ": " + what);
  for (int rep = 0; rep < 3; ++rep) {
    const std::vector<double> v = entries(problem.spec().paramCount());
    std::vector<double> got(v.size());
    H.apply(v.data(), got.data());
    CHECK(sameBits(got, operatorReference(ev, v.data())), "apply equals the per-layer loop: " + what);
    std::vector<double> inPlace(v);
    H.apply(inPlace.data(), inPlace.data());
    CHECK(sameBits(got, inPlace), "apply in place (out == v) gives the same product: " + what);
  }
}

}  // namespace

int main() {
  CHECK(cpu::active() == cpu::Level::Baseline, "a native program starts at the baseline level");
  for (int li = 0; li < cpu::kLevelCount; ++li) {
    const auto level = static_cast<cpu::Level>(li);
    if (!cpu::supported(level)) continue;
    cpu::setActive(level);
    const std::string at = cpu::name(level);
    const kernels::ChainKernels& k = kernels::chainKernels();
    if (!k.uniformBackward || !k.uniformForward) {
      std::printf("hvp_uniform: no whole-chain sweeps in this build (%s)\n", at.c_str());
      continue;
    }
    // The kernels alone.
    int cases = 0, agreeing = 0, rowReversedDiffers = 0, rowsReversedDiffers = 0;
    for (std::size_t C = 1; C <= 8; ++C) {
      for (std::size_t L : {1, 2, 3, 10}) {
        for (std::size_t R : {std::size_t{1}, std::size_t{2}, C}) {
          for (double twoL2 : {0.0, 0.02}) {
            for (int rep = 0; rep < 4; ++rep) {
              const KernelCase c(C, L, R);
              ++cases;
              agreeing += kernelsAgree(k, c, twoL2, Order::Kernel);
              if (C >= 3 && L >= 2) rowReversedDiffers += !kernelsAgree(k, c, twoL2, Order::RowReversed);
              if (C >= 1 && L >= 3) rowsReversedDiffers += !kernelsAgree(k, c, twoL2, Order::RowsReversed);
            }
          }
        }
      }
    }
    CHECK(agreeing == cases, "whole-chain sweeps equal the per-layer kernels on every case at " + at + " (" +
                                 std::to_string(agreeing) + " of " + std::to_string(cases) + ")");
    // False cases: with C >= 3 a row summed from its last column (or rows accumulated from the last)
    // rounds differently in most of these random cases; the comparison must see it.
    CHECK(rowReversedDiffers > 100,
          "a row summed in reverse is detected at " + at + " (" + std::to_string(rowReversedDiffers) + " cases)");
    CHECK(rowsReversedDiffers > 100,
          "rows accumulated in reverse are detected at " + at + " (" + std::to_string(rowsReversedDiffers) + " cases)");

    // The operator: uniform widths (whole-chain), the papers' shape, and ragged ones (per layer).
    for (double l2 : {0.0, 0.01}) {
      for (std::size_t C = 1; C <= 8; ++C) {
        for (std::size_t L : {1, 2, 4, 10}) {
          for (std::size_t R : {std::size_t{1}, std::size_t{3}, C}) {
            std::vector<std::size_t> widths(L, C);
            widths.push_back(R);
            checkOperator(widths, l2, true, at);
          }
        }
      }
      checkOperator({5, 4, 5, 1}, l2, false, at);
      checkOperator({3, 5, 5, 1}, l2, false, at);
      checkOperator({5, 5, 5, 3, 1}, l2, false, at);
      checkOperator({9, 9, 9, 1}, l2, false, at);  // C > 8: the per-layer kernels' runtime-width path
    }
  }
  cpu::setActive(cpu::Level::Baseline);
  return check::done("hvp_uniform");
}
