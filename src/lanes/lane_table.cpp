// Which lane-kernel copy the lanes use (lane_table.hpp): the per-copy tables and the choice.
#include "lanes/lane_table.hpp"

#include <algorithm>
#include <atomic>

namespace dln::lanes {

namespace baseline {
extern const LaneKernels kTable;
extern const LaneOps kOps;
}  // namespace baseline
namespace avx2 {
extern const LaneKernels kTable;
namespace ieee {
extern const LaneKernels kTable;
extern const LaneOps kOps;
}  // namespace ieee
}  // namespace avx2
namespace avx512 {
extern const LaneKernels kTable;
namespace ieee {
extern const LaneKernels kTable;
extern const LaneOps kOps;
}  // namespace ieee
}  // namespace avx512

#if defined(DLN_LANES_X86_LEVELS)
const LaneKernels* const kFusedKernels[kIsaCount] = {nullptr, &avx2::kTable, &avx512::kTable};
const LaneKernels* const kIeeeKernels[kIsaCount] = {&baseline::kTable, &avx2::ieee::kTable, &avx512::ieee::kTable};
const LaneOps* const kIeeeOps[kIsaCount] = {&baseline::kOps, &avx2::ieee::kOps, &avx512::ieee::kOps};
#else
const LaneKernels* const kFusedKernels[kIsaCount] = {nullptr, nullptr, nullptr};
const LaneKernels* const kIeeeKernels[kIsaCount] = {&baseline::kTable, nullptr, nullptr};
const LaneOps* const kIeeeOps[kIsaCount] = {&baseline::kOps, nullptr, nullptr};
#endif

namespace {

const char* const kIsaNames[kIsaCount] = {"baseline", "avx2", "avx512"};
std::atomic<int> g_cap{kIsaCount - 1};

// The copies of instruction set i run where the CPU level of the same name is supported (cpuid,
// and the OS saving the vector state); their tables exist exactly where that level is compiled.
int widest() {
  static const int supported = [] {
    int w = 0;
    for (int i = 1; i < kIsaCount; ++i)
      if (cpu::supported(static_cast<cpu::Level>(i))) w = i;
    return w;
  }();
  return std::min(supported, g_cap.load(std::memory_order_relaxed));
}

}  // namespace

const char* isaName(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kIsaCount ? kIsaNames[i] : "unknown";
}

void capLaneIsa(Isa cap) { g_cap.store(static_cast<int>(cap), std::memory_order_relaxed); }

Isa laneIsa() {
  // At a fused level, at least that level's own copy (the cap only narrows the IEEE choice below it).
  return static_cast<Isa>(std::max(widest(), static_cast<int>(cpu::active())));
}

const LaneKernels& laneKernels() {
  const int isa = static_cast<int>(laneIsa());
  return cpu::active() == cpu::Level::Baseline ? *kIeeeKernels[isa] : *kFusedKernels[isa];
}

const LaneOps& laneOps() { return *kIeeeOps[widest()]; }

}  // namespace dln::lanes
