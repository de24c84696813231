// Per-environment state of the addon (one per Node main thread or worker_thread): no mutable
// statics, so the addon is safe in worker_threads.
#pragma once

#include <napi.h>

#include <memory>

#include "jobs.hpp"

namespace binding {

struct AddonData {
  std::unique_ptr<JobRunner> runner;
  ~AddonData() {
    if (runner) runner->Shutdown();
  }
};

AddonData& Data(Napi::Env env);

// One function per exported family; each adds its functions to `exports`.
void RegisterProblem(Napi::Env env, Napi::Object exports);
void RegisterTrain(Napi::Env env, Napi::Object exports);
void RegisterGenerate(Napi::Env env, Napi::Object exports);
void RegisterSystem(Napi::Env env, Napi::Object exports);
void RegisterSpectrum(Napi::Env env, Napi::Object exports);
void RegisterFlow(Napi::Env env, Napi::Object exports);
void RegisterSharpnessGradient(Napi::Env env, Napi::Object exports);

}  // namespace binding
