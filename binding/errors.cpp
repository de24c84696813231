#include "errors.hpp"

namespace binding {

Napi::Error MakeError(Napi::Env env, dln::ErrorCode code, const std::string& field, const std::string& message) {
  Napi::Error error = code == dln::ErrorCode::Type ? Napi::TypeError::New(env, message)
                      : (code == dln::ErrorCode::Value || code == dln::ErrorCode::Shape)
                          ? Napi::RangeError::New(env, message)
                          : Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, dln::errorCodeName(code)));
  if (!field.empty()) error.Set("field", Napi::String::New(env, field));
  return error;
}

Napi::Error MakeError(Napi::Env env, const dln::Error& e) { return MakeError(env, e.code(), e.field(), e.what()); }

void CapturedError::capture(const std::exception& e) {
  present = true;
  if (const auto* d = dynamic_cast<const dln::Error*>(&e)) {
    code = d->code();
    field = d->field();
  } else if (dynamic_cast<const std::bad_alloc*>(&e)) {
    code = dln::ErrorCode::Memory;
  } else {
    code = dln::ErrorCode::Internal;
  }
  message = dynamic_cast<const std::bad_alloc*>(&e) ? "out of memory" : e.what();
}

}  // namespace binding
