// The baseline copy of lane_kernels.inc (the core's flags), and the per-level table.
#define DLN_LEVEL_NS baseline
#include "lanes/lane_kernels.inc"

namespace dln::lanes {
namespace avx2 {
extern const LaneKernels kTable;
}
namespace avx512 {
extern const LaneKernels kTable;
}
#if defined(DLN_LANES_X86_LEVELS)
const LaneKernels* const kLaneKernels[cpu::kLevelCount] = {&baseline::kTable, &avx2::kTable, &avx512::kTable};
#else
const LaneKernels* const kLaneKernels[cpu::kLevelCount] = {&baseline::kTable, nullptr, nullptr};
#endif
}  // namespace dln::lanes
