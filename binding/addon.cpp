#include "addon.hpp"

#include <cstdlib>
#include <thread>

#include "blas.hpp"

namespace binding {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

JobRunner& Runner(Napi::Env env) {
  AddonData& data = Data(env);
  if (!data.runner) {
    // DLNFLOW_THREADS caps the jobs run at once (default: one per core).
    std::size_t threads = std::thread::hardware_concurrency();
    if (const char* env_threads = std::getenv("DLNFLOW_THREADS")) {
      const long v = std::strtol(env_threads, nullptr, 10);
      if (v >= 1 && v <= 4096) threads = static_cast<std::size_t>(v);
    }
    data.runner = std::make_unique<JobRunner>(threads);
  }
  return *data.runner;
}

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  // Runs are single-threaded and run side by side; BLAS threads would only oversubscribe the
  // cores (and OpenBLAS aborts when too many threads call it at once). setBlasThreads changes it.
  dln::setBlasThreads(1);
  RegisterProblem(env, exports);
  RegisterTrain(env, exports);
  RegisterGenerate(env, exports);
  RegisterSystem(env, exports);
  RegisterSpectrum(env, exports);
  RegisterFlow(env, exports);
  RegisterSharpnessGradient(env, exports);
  return exports;
}
}  // namespace

}  // namespace binding

static Napi::Object InitDlnflow(Napi::Env env, Napi::Object exports) { return binding::Init(env, exports); }

NODE_API_MODULE(dlnflow, InitDlnflow)
