#include "addon.hpp"

#include <cstdlib>
#include <string>
#include <thread>

#include "error.hpp"
#include "errors.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "process.hpp"

namespace binding {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

void AddonData::Teardown() {
  if (tornDown) return;
  tornDown = true;
  if (runner) runner->Shutdown();
  process::DetachEnvironment();
}

namespace {
void CleanupEnvironment(void* data) { static_cast<AddonData*>(data)->Teardown(); }
}  // namespace

AddonData::~AddonData() {
  // Normally the hook ran first; if not, it must not run on freed data.
  if (!tornDown) napi_remove_env_cleanup_hook(env, CleanupEnvironment, this);
  Teardown();
}

namespace {

// DLNFLOW_THREADS: a positive decimal integer within process::MaxWorkerThreads(); unset or empty
// means the default. Anything else is an error, never ignored.
std::size_t ThreadsFromEnvironment() {
  const std::size_t limit = process::MaxWorkerThreads();
  const char* raw = std::getenv("DLNFLOW_THREADS");
  if (raw == nullptr || *raw == '\0') {
    const std::size_t cores = std::thread::hardware_concurrency();
    return std::min(limit, cores > 0 ? cores : 1);
  }
  const std::string text(raw);
  const bool digits = text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 9;
  const long value = digits ? std::strtol(raw, nullptr, 10) : 0;
  if (value < 1) {
    dln::fail(dln::ErrorCode::Value, "DLNFLOW_THREADS",
              "expected a positive integer (runs at once), got \"" + text + "\"");
  }
  process::CheckWorkerThreads(static_cast<std::size_t>(value), "DLNFLOW_THREADS");
  return static_cast<std::size_t>(value);
}

}  // namespace

JobRunner& Runner(Napi::Env env) {
  AddonData& data = Data(env);
  if (!data.runner) data.runner = std::make_unique<JobRunner>(ThreadsFromEnvironment());
  return *data.runner;
}

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->env = env;
  env.SetInstanceData<AddonData>(data);
  // DLNFLOW_CPU (kernels/cpu_dispatch.hpp): resolved before anything can run; a bad value fails the
  // load with ERR_DLN_VALUE naming it (the loader passes that code through), never a silent default.
  try {
    dln::cpu::configureFromEnvironment();
  } catch (const dln::Error& e) {
    throw MakeError(env, e);
  }
  process::AttachEnvironment();
  // Cleanup hooks run in reverse order of registration, all before the environment's handles
  // close: this one, registered before any job's thread-safe function, runs after theirs have
  // been marked closing (a worker's call then returns napi_closing) and before any is finalized.
  napi_add_env_cleanup_hook(env, CleanupEnvironment, data);
  RegisterProblem(env, exports);
  RegisterTrain(env, exports);
  RegisterGenerate(env, exports);
  RegisterSystem(env, exports);
  RegisterSpectrum(env, exports);
  RegisterFlow(env, exports);
  RegisterMeasure(env, exports);
  RegisterSharpnessGradient(env, exports);
  RegisterCentralFlow(env, exports);
  RegisterLanes(env, exports);
  return exports;
}

}  // namespace

}  // namespace binding

static Napi::Object InitDlnflow(Napi::Env env, Napi::Object exports) { return binding::Init(env, exports); }

NODE_API_MODULE(dlnflow, InitDlnflow)
