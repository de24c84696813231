// The avx2 copy of lane_kernels.inc (flags from CMakeLists.txt: files named *_avx2.cpp), built
// only on x86-64 with GCC or Clang.
#include "lanes/lane_table.hpp"
#if defined(DLN_LANES_X86_LEVELS)
#if !defined(__AVX2__) || !defined(__FMA__)
#error "lane_kernels_avx2.cpp needs the avx2 flags (CMakeLists.txt, *_avx2.cpp)"
#endif
#define DLN_LEVEL_NS avx2
#include "lanes/lane_kernels.inc"
#endif
