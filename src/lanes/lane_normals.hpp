// The lanes' Gaussian start vectors (LaneGroup::powerIteration): kLanes streams drawn together,
// two generators per SSE2 register (four with AVX2, eight with AVX-512 at those CPU levels), each
// lane's values written straight into the structure-of-arrays layout (value i of lane k at
// i * kLanes + k, lane_group.hpp). Lane k's values are Rng(keys[k]).normals(n, .)'s bit for bit
// (rng.hpp; test/native/lane_normals_test.cpp, at every CPU level): the same xoshiro256**
// outputs, the same rejections, the same log (det_log.inc, kW lanes per instruction), square root
// and division on the same values. docs/algorithms.md §2.8.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lanes/lane_table.hpp"

namespace dln::lanes {

// For every lane k with want[k]: out[i * kLanes + k] (i < n) = the first n values of the stream
// Rng(keys[k]) draws by normals(). The other lanes' values are left as they are (their keys are
// not read). out needs no alignment.
void drawNormals(const std::uint64_t* keys, const bool* want, std::size_t n, double* out);

}  // namespace dln::lanes
