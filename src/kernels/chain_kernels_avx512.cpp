// The AVX-512 copy of chain_kernels.inc (flags from CMakeLists.txt: files named *_avx512.cpp).
// Compiled to nothing where that level does not exist (cpu::compiled).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#if !defined(__AVX512F__) || !defined(__FMA__)
#error "chain_kernels_avx512.cpp needs -mavx512f -mfma (CMakeLists.txt, *_avx512.cpp)"
#endif
#define DLN_LEVEL_NS avx512
#include "kernels/chain_kernels.inc"
#endif
