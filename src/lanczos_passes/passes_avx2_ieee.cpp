// The avx2 copy of passes.inc (flags from CMakeLists.txt: files named *_avx2_ieee.cpp get the
// instruction set without FMA or contraction), built only on x86-64 with GCC or Clang.
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#if !defined(__AVX2__)
#error "passes_avx2_ieee.cpp needs the avx2 flags (CMakeLists.txt, *_avx2_ieee.cpp)"
#endif
#define DLN_LEVEL_NS avx2
#include "lanczos_passes/passes.inc"
#endif
