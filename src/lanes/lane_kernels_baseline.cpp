// The baseline copy of lane_kernels.inc (the core's flags: no contraction), with LaneOps.
#define DLN_LEVEL_NS baseline
#define DLN_LANES_IEEE 1
#include "lanes/lane_kernels.inc"
