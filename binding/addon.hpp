// Per-environment state of the addon (one per Node main thread or worker_thread): no mutable
// statics here, so the addon is safe in worker_threads and loaded in several at once. What is
// process-wide by nature (OpenBLAS's limits, exit) lives in process.hpp.
#pragma once

#include <napi.h>

#include <memory>

#include "jobs.hpp"

namespace binding {

struct AddonData {
  napi_env env = nullptr;
  std::unique_ptr<JobRunner> runner;
  bool tornDown = false;
  // The environment's cleanup hook (and, as a fallback, the instance-data finalizer): cancels and
  // joins every job before the environment's thread-safe functions are finalized. Idempotent.
  void Teardown();
  ~AddonData();
};

AddonData& Data(Napi::Env env);

// One function per exported family; each adds its functions to `exports`.
void RegisterProblem(Napi::Env env, Napi::Object exports);
void RegisterTrain(Napi::Env env, Napi::Object exports);
void RegisterGenerate(Napi::Env env, Napi::Object exports);
void RegisterSystem(Napi::Env env, Napi::Object exports);
void RegisterSpectrum(Napi::Env env, Napi::Object exports);
void RegisterFlow(Napi::Env env, Napi::Object exports);
void RegisterMeasure(Napi::Env env, Napi::Object exports);
void RegisterSharpnessGradient(Napi::Env env, Napi::Object exports);
void RegisterCentralFlow(Napi::Env env, Napi::Object exports);
void RegisterLanes(Napi::Env env, Napi::Object exports);

}  // namespace binding
