// Build and runtime facts, and process-wide knobs: BLAS vendor and threads, the memory cap, the
// BLAS size threshold (for the kernel benchmark). Thread counts are checked against what the
// linked OpenBLAS can take (process.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "addon.hpp"
#include "blas.hpp"
#include "convert.hpp"
#include "det_log.hpp"
#include "errors.hpp"
#include "kernels.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "lanes/lane_table.hpp"
#include "linalg.hpp"
#include "memory.hpp"
#include "process.hpp"

namespace binding {

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("blasVendor", dln::blasVendor());
    o.Set("blasThreads", Napi::Number::New(env, dln::blasThreads()));
    auto thresholds = Napi::Object::New(env);
    thresholds.Set("gemm", Napi::Number::New(env, static_cast<double>(dln::kernels::blasThreshold())));
    thresholds.Set("gemv", Napi::Number::New(env, static_cast<double>(dln::kernels::gemvThreshold())));
    o.Set("blasThresholds", thresholds);
    o.Set("workerThreads", Napi::Number::New(env, static_cast<double>(Runner(env).Threads())));
    o.Set("maxWorkerThreads", Napi::Number::New(env, static_cast<double>(process::MaxWorkerThreads())));
    o.Set("maxBlasThreads", Napi::Number::New(env, process::MaxBlasThreads()));
    o.Set("memoryLimit", Napi::Number::New(env, static_cast<double>(dln::memoryLimit())));
    o.Set("cpuLevel", dln::cpu::name(dln::cpu::active()));
    auto levels = Napi::Array::New(env);
    for (int i = 0, n = 0; i < dln::cpu::kLevelCount; ++i) {
      if (dln::cpu::supported(static_cast<dln::cpu::Level>(i)))
        levels.Set(n++, dln::cpu::name(static_cast<dln::cpu::Level>(i)));
    }
    o.Set("cpuLevels", levels);
    o.Set("laneIsa", dln::lanes::isaName(dln::lanes::laneIsa()));
    o.Set("normals", dln::kNormalsIdentity);
    o.Set("laneWidth", Napi::Number::New(env, static_cast<double>(dln::lanes::kLanes)));
    o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
#if defined(__clang__)
    o.Set("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    o.Set("compiler", "gcc " __VERSION__);
#else
    o.Set("compiler", "unknown");
#endif
    return o;
  });
}

// An integer in [1, max]; `max` is a representable bound only (thread counts are checked against
// their real limits by the caller, whose message names them).
double PositiveNumber(const Napi::CallbackInfo& info, const char* field, double max) {
  if (!info[0].IsNumber()) dln::fail(dln::ErrorCode::Type, field, "expected a number");
  const double v = info[0].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v < 1 || v > max || v != std::floor(v)) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%.0f", max);
    dln::fail(dln::ErrorCode::Value, field, std::string("expected an integer in [1, ") + bound + "]");
  }
  return v;
}

Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    // Above the representable bound, still checked (and named) against the real limit.
    const int threads = static_cast<int>(std::min(PositiveNumber(info, "threads", 9007199254740992.0), 1e9));
    process::SetBlasThreads(threads, Runner(info.Env()).Threads(), "threads");
    return info.Env().Undefined();
  });
}

Napi::Value SetWorkerThreads(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    // Above the representable bound, still checked (and named) against the real limit.
    const double v = PositiveNumber(info, "threads", 9007199254740992.0);
    const auto threads = static_cast<std::size_t>(std::min(v, 1e9));
    process::CheckWorkerThreads(threads, "threads");
    Runner(info.Env()).SetThreads(threads);
    return info.Env().Undefined();
  });
}

Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    dln::setMemoryLimit(static_cast<std::size_t>(PositiveNumber(info, "bytes", 9007199254740992.0)));
    return info.Env().Undefined();
  });
}

Napi::Value SetBlasThresholds(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "thresholds");
    const std::uint64_t max = std::uint64_t(1) << 53;
    if (r.has("gemm")) dln::kernels::setBlasThreshold(r.integer("gemm", 0, max));
    if (r.has("gemv")) dln::kernels::setGemvThreshold(r.integer("gemv", 0, max));
    return info.Env().Undefined();
  });
}

// svd({rows, cols, data}) -> {U (rows x k), S (k, descending), V (cols x k)}, k = min(rows, cols):
// the core's one-sided Jacobi SVD, accurate for small singular values too.
Napi::Value Svd(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "matrix");
    const std::size_t rows = r.integer("rows", 1, 1u << 20);
    const std::size_t cols = r.integer("cols", 1, 1u << 20);
    const std::size_t count = dln::checkedMul(rows, cols, "matrix");
    const std::size_t k = std::min(rows, cols);
    dln::requireDoubles(dln::checkedAdd(count, dln::checkedMul(rows + cols, k, "matrix"), "matrix"), "matrix");
    std::vector<double> A = r.doubles("data", count, "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
    std::vector<double> S(k), U(rows * k), V(cols * k);
    dln::linalg::svd(rows, cols, A.data(), S.data(), U.data(), V.data());
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("U", ToFloat64Array(env, U));
    o.Set("S", ToFloat64Array(env, S));
    o.Set("V", ToFloat64Array(env, V));
    return o;
  });
}

}  // namespace

void RegisterSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads, "setBlasThreads"));
  exports.Set("setWorkerThreads", Napi::Function::New(env, SetWorkerThreads, "setWorkerThreads"));
  exports.Set("setMemoryLimit", Napi::Function::New(env, SetMemoryLimit, "setMemoryLimit"));
  exports.Set("svd", Napi::Function::New(env, Svd, "svd"));
  exports.Set("setBlasThresholds", Napi::Function::New(env, SetBlasThresholds, "setBlasThresholds"));
}

}  // namespace binding
