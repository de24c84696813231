// The avx2 copy of lane_normals.inc (flags from CMakeLists.txt: files named *_avx2_ieee.cpp: the
// instruction set without FMA or contraction, as det_log.inc needs), built
// only on x86-64 with GCC or Clang.
#include "lanes/lane_table.hpp"
#if defined(DLN_LANES_X86_LEVELS)
#if !defined(__AVX2__)
#error "lane_normals_avx2_ieee.cpp needs the avx2 flags (CMakeLists.txt, *_avx2_ieee.cpp)"
#endif
#define DLN_LEVEL_NS avx2
#include "lanes/lane_normals.inc"
#endif
