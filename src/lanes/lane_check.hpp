// Whether the lane kernels round as the single-run kernels at the CPU level in use, for one layer
// shape (docs/algorithms.md §4.8). At the baseline level both are plain IEEE operations in the
// same order (no FMA contraction): equal by construction, and tested. At the wider levels the
// compiler contracts a * b + c into FMA and may vectorize the single-run loops differently from
// the lanes' (an in-order reduction over rows multiplies, then adds: no FMA), so equality there
// depends on the shape; this check runs every lane kernel and its single-run counterpart on the
// same pseudo-random data and compares the bits, and the lanes take a problem only if every
// layer's shape agrees (laneIneligibility).
#pragma once

#include <cstddef>

namespace dln::lanes {

// True when every lane kernel (lane_table.hpp) gives, in every lane, the bits of the single-run
// kernel (kernels/chain_kernels.hpp) for a rows x cols layer at the active CPU level.
bool kernelsAgree(std::size_t rows, std::size_t cols);

}  // namespace dln::lanes
