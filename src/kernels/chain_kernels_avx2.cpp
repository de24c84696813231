// The AVX2 + FMA copy of chain_kernels.inc (flags from CMakeLists.txt: files named *_avx2.cpp).
// Compiled to nothing where that level does not exist (cpu::compiled).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#if !defined(__AVX2__) || !defined(__FMA__)
#error "chain_kernels_avx2.cpp needs -mavx2 -mfma (CMakeLists.txt, *_avx2.cpp)"
#endif
#define DLN_LEVEL_NS avx2
#include "kernels/chain_kernels.inc"
#endif
