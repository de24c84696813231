// The baseline copy of chain_kernels.inc (the core's flags), and the per-level table.
#define DLN_LEVEL_NS baseline
#include "kernels/chain_kernels.inc"

namespace dln::kernels {
namespace avx2 {
extern const ChainKernels kTable;
}
namespace avx512 {
extern const ChainKernels kTable;
}
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
const ChainKernels* const kChainKernels[cpu::kLevelCount] = {&baseline::kTable, &avx2::kTable, &avx512::kTable};
#else
const ChainKernels* const kChainKernels[cpu::kLevelCount] = {&baseline::kTable, nullptr, nullptr};
#endif
}  // namespace dln::kernels
