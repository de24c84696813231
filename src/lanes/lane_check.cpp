#include "lanes/lane_check.hpp"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/chain_kernels.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "lanes/lane_group.hpp"

namespace dln::lanes {

namespace {

struct Data {
  std::uint64_t state;
  double next() {  // an LCG: check data only
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  }
  std::vector<Pack> packs(std::size_t n, double scale) {
    std::vector<Pack> out(n);
    for (Pack& p : out)
      for (std::size_t k = 0; k < kLanes; ++k) p[k] = scale * next();
    return out;
  }
};

std::vector<double> lane(const std::vector<Pack>& packs, std::size_t k) {
  std::vector<double> out(packs.size());
  for (std::size_t i = 0; i < packs.size(); ++i) out[i] = packs[i][k];
  return out;
}

bool same(const std::vector<Pack>& packs, std::size_t k, const std::vector<double>& single) {
  for (std::size_t i = 0; i < single.size(); ++i)
    if (std::memcmp(&packs[i].v[k], &single[i], sizeof(double)) != 0) return false;
  return true;
}

bool agreeOn(const LaneKernels& l, const kernels::ChainKernels& c, std::size_t rows, std::size_t cols,
             std::uint64_t seed, double scale) {
  Data d{seed};
  const std::vector<Pack> W = d.packs(rows * cols, scale), V = d.packs(rows * cols, scale);
  const std::vector<Pack> xr = d.packs(rows, scale), xc = d.packs(cols, scale), a = d.packs(rows, scale);
  const std::vector<Pack> b = d.packs(cols, scale), da = d.packs(rows, scale), scalePack = d.packs(1, 1.0);
  std::vector<Pack> yc(cols), yr(rows), O(rows * cols), W2;
  bool ok = true;
  for (int withY = 0; withY < 2; ++withY) {
    l.transposedTimes(rows, cols, W[0].v, xr[0].v, yc[0].v);
    for (std::size_t k = 0; k < kLanes; ++k) {
      std::vector<double> y(cols);
      c.transposedTimes(rows, cols, 1, lane(W, k).data(), lane(xr, k).data(), y.data(), false);
      ok = ok && same(yc, k, y);
    }
    l.times(rows, cols, W[0].v, xc[0].v, yr[0].v);
    for (std::size_t k = 0; k < kLanes; ++k) {
      std::vector<double> y(rows);
      c.times(rows, cols, 1, lane(W, k).data(), lane(xc, k).data(), y.data(), false);
      ok = ok && same(yr, k, y);
    }
    W2 = W;
    l.timesThenRankOne(rows, cols, xc[0].v, withY ? yr[0].v : nullptr, scalePack[0].v, a[0].v, W2[0].v);
    for (std::size_t k = 0; k < kLanes; ++k) {
      std::vector<double> w = lane(W, k), y(rows);
      c.timesThenRankOne(rows, cols, lane(xc, k).data(), withY ? y.data() : nullptr, scalePack[0][k], lane(a, k).data(),
                         w.data());
      ok = ok && same(W2, k, w) && (!withY || same(yr, k, y));
    }
    l.backwardFused(rows, cols, W[0].v, withY ? xr[0].v : nullptr, V[0].v, a[0].v, yc[0].v);
    for (std::size_t k = 0; k < kLanes; ++k) {
      std::vector<double> y(cols);
      c.backwardFused(rows, cols, lane(W, k).data(), withY ? lane(xr, k).data() : nullptr, lane(V, k).data(),
                      lane(a, k).data(), y.data());
      ok = ok && same(yc, k, y);
    }
    l.forwardAndOutput(rows, cols, W[0].v, V[0].v, xc[0].v, b[0].v, withY ? yr[0].v : nullptr, da[0].v, a[0].v, O[0].v);
    for (std::size_t k = 0; k < kLanes; ++k) {
      std::vector<double> y(rows), o(rows * cols);
      c.forwardAndOutput(rows, cols, lane(W, k).data(), lane(V, k).data(), lane(xc, k).data(), lane(b, k).data(),
                         withY ? y.data() : nullptr, lane(da, k).data(), lane(a, k).data(), 0.0, o.data());
      ok = ok && same(O, k, o) && (!withY || same(yr, k, y));
    }
  }
  return ok;
}

}  // namespace

bool tablesAgree(const LaneKernels& lanes, const kernels::ChainKernels& single, std::size_t rows, std::size_t cols) {
  return agreeOn(lanes, single, rows, cols, 1 + 131 * rows + cols, 1.0) &&
         agreeOn(lanes, single, rows, cols, 7 + 17 * rows + cols, 1e3);
}

bool kernelsAgree(std::size_t rows, std::size_t cols) {
  const cpu::Level level = cpu::active();
  const Isa isa = laneIsa();
  // The baseline level's own copy is the single-run baseline code's operations (equal by
  // construction, tested); every other pairing is checked, the wider IEEE copies at baseline too.
  if (level == cpu::Level::Baseline && isa == Isa::Baseline) return true;
  // Memoized per level and lane copy for shapes up to 16 x 16 (0 unknown, 1 agree, 2 differ): the
  // answer is a property of the build, and eligibility is asked once per run.
  constexpr std::size_t kMemo = 16;
  static std::atomic<std::uint8_t> memo[cpu::kLevelCount][kIsaCount][kMemo][kMemo];
  const bool small = rows >= 1 && cols >= 1 && rows <= kMemo && cols <= kMemo;
  std::atomic<std::uint8_t>* known =
      small ? &memo[static_cast<int>(level)][static_cast<int>(isa)][rows - 1][cols - 1] : nullptr;
  if (known) {
    const std::uint8_t v = known->load(std::memory_order_relaxed);
    if (v != 0) return v == 1;
  }
  const bool agree = tablesAgree(laneKernels(), kernels::chainKernels(), rows, cols);
  if (known) known->store(agree ? 1 : 2, std::memory_order_relaxed);
  return agree;
}

}  // namespace dln::lanes
