// The AVX2 copy of lane_kernels.inc without FMA contraction: the baseline level's rounding on
// AVX2 registers (flags from CMakeLists.txt: files named *_avx2_ieee.cpp), with LaneOps. Built
// only on x86-64 with GCC or Clang; run only where cpu::supported(avx2) (lane_table.cpp).
#include "lanes/lane_table.hpp"
#if defined(DLN_LANES_X86_LEVELS)
#if !defined(__AVX2__) || defined(__FMA__) || defined(__FAST_MATH__)
#error "lane_kernels_avx2_ieee.cpp needs the avx2_ieee flags (CMakeLists.txt, *_avx2_ieee.cpp: no FMA)"
#endif
#define DLN_LEVEL_NS avx2::ieee
#define DLN_LANES_IEEE 1
#include "lanes/lane_kernels.inc"
#endif
