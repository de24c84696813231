// The baseline copy of lane_normals.inc (the core's flags), and the dispatch by CPU level.
#define DLN_LEVEL_NS baseline
#include "lanes/lane_normals.inc"

#include "kernels/cpu_dispatch.hpp"
#include "lanes/lane_table.hpp"

namespace dln::lanes {

#if defined(DLN_LANES_X86_LEVELS)
namespace avx2 {
void drawNormals(const std::uint64_t* keys, const bool* want, std::size_t n, double* out);
}
namespace avx512 {
void drawNormals(const std::uint64_t* keys, const bool* want, std::size_t n, double* out);
}
#endif

namespace {
using DrawNormals = void (*)(const std::uint64_t*, const bool*, std::size_t, double*);
#if defined(DLN_LANES_X86_LEVELS)
const DrawNormals kDrawNormals[cpu::kLevelCount] = {&baseline::drawNormals, &avx2::drawNormals, &avx512::drawNormals};
#else
const DrawNormals kDrawNormals[cpu::kLevelCount] = {&baseline::drawNormals, nullptr, nullptr};
#endif
}  // namespace

// The lanes' instruction set (laneIsa(): the widest the CPU has, at every level), as the IEEE lane
// kernels: the bits are the same in every copy (lane_normals_test.cpp checks each one the CPU
// runs), only the speed differs.
void drawNormals(const std::uint64_t* keys, const bool* want, std::size_t n, double* out) {
  kDrawNormals[static_cast<int>(laneIsa())](keys, want, n, out);
}

}  // namespace dln::lanes
