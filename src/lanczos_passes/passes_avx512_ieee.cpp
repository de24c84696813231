// The avx512 copy of passes.inc (flags from CMakeLists.txt: files named *_avx512_ieee.cpp get the
// instruction set without FMA or contraction), built only on x86-64 with GCC or Clang.
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#if !defined(__AVX512F__)
#error "passes_avx512_ieee.cpp needs the avx512 flags (CMakeLists.txt, *_avx512_ieee.cpp)"
#endif
#define DLN_LEVEL_NS avx512
#include "lanczos_passes/passes.inc"
#endif
