// Whether the lane kernels round as the single-run kernels at the CPU level in use, for one layer
// shape (docs/algorithms.md §4.8). At the baseline level both are plain IEEE operations in the
// same order (no FMA contraction): equal by construction, whichever instruction set the lanes run
// (lane_table.hpp), and tested; the wider IEEE copies are still checked here. At the wider levels the
// compiler contracts a * b + c into FMA and may vectorize the single-run loops differently from
// the lanes' (an in-order reduction over rows multiplies, then adds: no FMA), so equality there
// depends on the shape; this check runs every lane kernel and its single-run counterpart on the
// same pseudo-random data and compares the bits, and the lanes take a problem only if every
// layer's shape agrees (laneIneligibility).
#pragma once

#include <cstddef>

#include "kernels/chain_kernels.hpp"
#include "lanes/lane_table.hpp"

namespace dln::lanes {

// True when every lane kernel (lane_table.hpp) gives, in every lane, the bits of the single-run
// kernel (kernels/chain_kernels.hpp) for a rows x cols layer at the active CPU level.
bool kernelsAgree(std::size_t rows, std::size_t cols);

// The comparison itself, for any pair of tables (tests: a copy compiled with contraction against
// the baseline single-run kernels must differ): every kernel, with and without its optional
// output, on two sets of pseudo-random data (scales 1 and 1e3), every lane, every bit.
bool tablesAgree(const LaneKernels& lanes, const kernels::ChainKernels& single, std::size_t rows, std::size_t cols);

}  // namespace dln::lanes
