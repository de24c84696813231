#include "addon.hpp"

#include <thread>

#include "blas.hpp"

namespace binding {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

JobRunner& Runner(Napi::Env env) {
  AddonData& data = Data(env);
  if (!data.runner) data.runner = std::make_unique<JobRunner>(std::thread::hardware_concurrency());
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
  return exports;
}
}  // namespace

}  // namespace binding

static Napi::Object InitDlnflow(Napi::Env env, Napi::Object exports) { return binding::Init(env, exports); }

NODE_API_MODULE(dlnflow, InitDlnflow)
