#include "memory.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <limits>
#include <sstream>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "error.hpp"

namespace dln {

namespace {

std::atomic<std::size_t> g_limit{0};  // 0: not set, the default applies
std::atomic<std::size_t> g_reserved{0};

constexpr std::size_t kFallbackLimit = std::size_t(8) << 30;  // when the machine's memory is unknown

std::string readFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

// A cgroup limit file's value: a byte count, or 0 for "max", absent or unreadable.
std::size_t limitFile(const std::string& path) {
  const std::string v = readFirstLine(path);
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return 0;
  try {
    return static_cast<std::size_t>(std::stoull(v));
  } catch (...) {
    return 0;
  }
}

// The lowest limit along a cgroup path (the process's own group and its ancestors all apply).
std::size_t lowestAlong(const std::string& root, std::string path, const char* file) {
  std::size_t lowest = 0;
  for (;;) {
    const std::size_t v = limitFile(root + path + (path.empty() || path.back() == '/' ? "" : "/") + file);
    if (v > 0 && (lowest == 0 || v < lowest)) lowest = v;
    if (path.empty() || path == "/") break;
    const std::size_t slash = path.find_last_of('/');
    path = slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
  }
  return lowest;
}

std::size_t computeDefault() {
  std::size_t available = physicalMemory();
  const std::size_t cgroup = cgroupMemoryLimit();
  if (cgroup > 0 && (available == 0 || cgroup < available)) available = cgroup;
  return available > 0 ? available / 2 : kFallbackLimit;
}

[[noreturn]] void refuse(std::size_t bytes, const std::string& field) {
  const std::size_t limit = memoryLimit(), held = memoryReserved();
  fail(ErrorCode::Memory, field,
       "needs " + std::to_string(bytes) + " bytes, above the memory limit of " + std::to_string(limit) + " bytes (" +
           std::to_string(held) + " held by work in flight; raise the limit with setMemoryLimit)");
}

}  // namespace

std::size_t physicalMemory() {
#if defined(_WIN32)
  MEMORYSTATUSEX status;
  status.dwLength = sizeof status;
  return GlobalMemoryStatusEx(&status) ? static_cast<std::size_t>(status.ullTotalPhys) : 0;
#else
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0) return 0;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(size);
#endif
}

std::size_t cgroupMemoryLimit() {
#if defined(__linux__)
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::size_t lowest = 0;
  auto take = [&](std::size_t v) {
    if (v > 0 && (lowest == 0 || v < lowest)) lowest = v;
  };
  while (std::getline(in, line)) {
    // "hierarchy-id:controllers:path"; v2 is "0::path".
    const std::size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.compare(0, a, "0") == 0 && controllers.empty()) {
      take(lowestAlong("/sys/fs/cgroup", path, "memory.max"));
    } else {
      std::stringstream list(controllers);
      std::string c;
      while (std::getline(list, c, ',')) {
        if (c == "memory") take(lowestAlong("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes"));
      }
    }
  }
  // v1 reports "no limit" as a huge number: keep only limits below the machine's memory.
  const std::size_t physical = physicalMemory();
  if (physical > 0 && lowest >= physical) return 0;
  return lowest;
#else
  return 0;
#endif
}

std::size_t defaultMemoryLimit() {
  static const std::size_t value = computeDefault();
  return value;
}

std::size_t memoryLimit() {
  const std::size_t set = g_limit.load(std::memory_order_relaxed);
  return set > 0 ? set : defaultMemoryLimit();
}

void setMemoryLimit(std::size_t bytes) { g_limit.store(std::max<std::size_t>(bytes, 1), std::memory_order_relaxed); }

std::size_t memoryReserved() { return g_reserved.load(std::memory_order_relaxed); }

MemoryReservation& MemoryReservation::operator=(MemoryReservation&& other) noexcept {
  if (this != &other) {
    release();
    bytes_ = other.bytes_;
    other.bytes_ = 0;
  }
  return *this;
}

bool MemoryReservation::tryGrow(std::size_t bytes) {
  if (bytes == 0) return true;
  const std::size_t limit = memoryLimit();
  std::size_t current = g_reserved.load(std::memory_order_relaxed);
  do {
    if (bytes > limit || current > limit - bytes) return false;
  } while (!g_reserved.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  bytes_ += bytes;
  return true;
}

void MemoryReservation::grow(std::size_t bytes, const std::string& field) {
  if (!tryGrow(bytes)) refuse(bytes, field);
}

void MemoryReservation::shrink(std::size_t bytes) {
  bytes = std::min(bytes, bytes_);
  if (bytes == 0) return;
  g_reserved.fetch_sub(bytes, std::memory_order_relaxed);
  bytes_ -= bytes;
}

void MemoryReservation::absorb(MemoryReservation&& other) {
  bytes_ += other.bytes_;
  other.bytes_ = 0;
}

std::size_t doubleBytes(std::size_t count, const std::string& field) {
  return checkedMul(count, sizeof(double), field);
}

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
  const std::size_t bytes = doubleBytes(count, field);
  const std::size_t limit = memoryLimit(), held = memoryReserved();
  if (bytes > limit || held > limit - bytes) refuse(bytes, field);
}

}  // namespace dln
