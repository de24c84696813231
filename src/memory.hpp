// Size arithmetic that cannot overflow, and a process-wide memory cap checked before any large
// allocation, so that an absurd request is refused with an error instead of an OOM kill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dln {

// Default cap: 8 GiB. Changed with setMemoryLimit (the JS API exposes it).
std::size_t memoryLimit();
void setMemoryLimit(std::size_t bytes);

// a * b, or an ERR_DLN_MEMORY error naming `field` if the product overflows.
std::size_t checkedMul(std::size_t a, std::size_t b, const std::string& field);
std::size_t checkedAdd(std::size_t a, std::size_t b, const std::string& field);

// Throws ERR_DLN_MEMORY naming `field` if `count` doubles would exceed the cap.
void requireDoubles(std::size_t count, const std::string& field);

}  // namespace dln
