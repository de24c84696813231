// The avx512 copy of lane_normals.inc (flags from CMakeLists.txt: files named *_avx512_ieee.cpp: the
// instruction set without FMA or contraction, as det_log.inc needs), built
// only on x86-64 with GCC or Clang.
#include "lanes/lane_table.hpp"
#if defined(DLN_LANES_X86_LEVELS)
#if !defined(__AVX512F__)
#error "lane_normals_avx512_ieee.cpp needs the avx512 flags (CMakeLists.txt, *_avx512_ieee.cpp)"
#endif
#define DLN_LEVEL_NS avx512
#include "lanes/lane_normals.inc"
#endif
