// The baseline copy of passes.inc (the core's flags, without contraction: CMakeLists.txt), and the
// choice of copy.
#define DLN_LEVEL_NS baseline
#include "lanczos_passes/passes.inc"

namespace dln::lanczos_passes {

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define DLN_PASSES_X86_LEVELS 1
namespace avx2 {
extern const Passes kTable;
}
namespace avx512 {
extern const Passes kTable;
}
const Passes* const kPasses[cpu::kLevelCount] = {&baseline::kTable, &avx2::kTable, &avx512::kTable};
#else
const Passes* const kPasses[cpu::kLevelCount] = {&baseline::kTable, nullptr, nullptr};
#endif

const Passes& passes() {
  // Decided once: cpuid does not change while the process runs.
  static const Passes* const chosen = [] {
    for (int level = cpu::kLevelCount - 1; level > 0; --level)
      if (kPasses[level] && cpu::supported(static_cast<cpu::Level>(level))) return kPasses[level];
    return kPasses[0];
  }();
  return *chosen;
}

}  // namespace dln::lanczos_passes
