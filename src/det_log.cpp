// dln::detLog and detLogs (det_log.hpp): det_log.inc compiled here, -ffp-contract=off
// (CMakeLists.txt).
#include "det_log.hpp"

#include <cstdint>
#include <cstring>

namespace dln {

namespace {
#include "det_log.inc"
}  // namespace

double detLog(double x) { return detLogOf<double, std::uint64_t>(x); }

void detLogs(std::size_t n, const double* x, double* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = detLogOf<double, std::uint64_t>(x[i]);
}

}  // namespace dln
