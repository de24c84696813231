#include "kernels/cpu_dispatch.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "error.hpp"

namespace dln::cpu {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::Baseline)};
const char* const kNames[kLevelCount] = {"baseline", "avx2", "avx512"};
}  // namespace

const char* name(Level level) {
  const int i = static_cast<int>(level);
  return i >= 0 && i < kLevelCount ? kNames[i] : "unknown";
}

bool parse(const char* text, Level* out) {
  if (text == nullptr) return false;
  for (int i = 0; i < kLevelCount; ++i) {
    if (std::strcmp(text, kNames[i]) == 0) {
      *out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool compiled(Level level) {
  switch (level) {
    case Level::Baseline: return true;
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
    case Level::Avx2: return true;
    case Level::Avx512: return true;
#endif
    default: return false;
  }
}

bool supported(Level level) {
  if (!compiled(level)) return false;
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  switch (level) {
    case Level::Baseline: return true;
    // __builtin_cpu_supports also checks that the OS saves the vector state (XCR0).
    case Level::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Level::Avx512:
      // Every extension the avx512 copies are compiled with (CMakeLists.txt, DLN_AVX512_FLAGS):
      // a CPU with AVX-512F but not VL or DQ (Xeon Phi) must not run them.
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return level == Level::Baseline;
#endif
}

Level best() {
  for (int i = kLevelCount - 1; i > 0; --i) {
    if (supported(static_cast<Level>(i))) return static_cast<Level>(i);
  }
  return Level::Baseline;
}

Level active() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

namespace {
std::string supportedList() {
  std::string s;
  for (int i = 0; i < kLevelCount; ++i) {
    if (!supported(static_cast<Level>(i))) continue;
    if (!s.empty()) s += ", ";
    s += kNames[i];
  }
  return s;
}
}  // namespace

void setActive(Level level, const char* field) {
  if (!supported(level)) {
    fail(ErrorCode::Value, field,
         std::string("level \"") + name(level) + "\" is not supported " +
             (compiled(level) ? "by this CPU" : "by this build") + " (supported: " + supportedList() + ")");
  }
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

void configure(const char* text) {
  if (text == nullptr || *text == '\0') {
    g_level.store(static_cast<int>(Level::Baseline), std::memory_order_relaxed);
    return;
  }
  Level level;
  if (std::strcmp(text, "best") == 0) {
    level = best();
  } else if (!parse(text, &level)) {
    fail(ErrorCode::Value, "DLNFLOW_CPU",
         std::string("expected baseline, avx2, avx512 or best, got \"") + text +
             "\" (supported here: " + supportedList() + ")");
  }
  setActive(level, "DLNFLOW_CPU");
}

void configureFromEnvironment() { configure(std::getenv("DLNFLOW_CPU")); }

}  // namespace dln::cpu
