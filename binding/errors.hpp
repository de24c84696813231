// Core errors -> JS errors carrying `code` (ERR_DLN_*) and `field`. Every exported function runs
// inside Guard so that no C++ exception escapes as a process abort.
#pragma once

#include <napi.h>

#include <string>

#include "error.hpp"

namespace binding {

Napi::Error MakeError(Napi::Env env, dln::ErrorCode code, const std::string& field, const std::string& message);
Napi::Error MakeError(Napi::Env env, const dln::Error& error);

// A failure captured on a worker thread, turned into a JS error later on the main thread.
struct CapturedError {
  bool present = false;
  dln::ErrorCode code = dln::ErrorCode::Internal;
  std::string field;
  std::string message;
  void capture(const std::exception& e);
  Napi::Error toJs(Napi::Env env) const { return MakeError(env, code, field, message); }
};

template <class F>
Napi::Value Guard(Napi::Env env, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dln::Error& e) {
    throw MakeError(env, e);
  } catch (const std::bad_alloc&) {
    throw MakeError(env, dln::ErrorCode::Memory, "", "out of memory");
  } catch (const std::exception& e) {
    throw MakeError(env, dln::ErrorCode::Internal, "", e.what());
  }
}

}  // namespace binding
