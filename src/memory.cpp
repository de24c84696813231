#include "memory.hpp"

#include <atomic>
#include <limits>

#include "error.hpp"

namespace dln {

namespace {
std::atomic<std::size_t> g_memoryLimit{std::size_t(8) << 30};
}

std::size_t memoryLimit() { return g_memoryLimit.load(std::memory_order_relaxed); }
void setMemoryLimit(std::size_t bytes) { g_memoryLimit.store(bytes, std::memory_order_relaxed); }

std::size_t checkedMul(std::size_t a, std::size_t b, const std::string& field) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    fail(ErrorCode::Memory, field, "size " + std::to_string(a) + " x " + std::to_string(b) + " overflows");
  }
  return a * b;
}

std::size_t checkedAdd(std::size_t a, std::size_t b, const std::string& field) {
  if (b > std::numeric_limits<std::size_t>::max() - a) {
    fail(ErrorCode::Memory, field, "size " + std::to_string(a) + " + " + std::to_string(b) + " overflows");
  }
  return a + b;
}

void requireDoubles(std::size_t count, const std::string& field) {
  const std::size_t bytes = checkedMul(count, sizeof(double), field);
  if (bytes > memoryLimit()) {
    fail(ErrorCode::Memory, field,
         "needs " + std::to_string(bytes) + " bytes, above the memory limit of " + std::to_string(memoryLimit()) +
             " bytes (raise it with setMemoryLimit)");
  }
}

}  // namespace dln
