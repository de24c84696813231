// Errors raised by the core. Every failure the caller can cause is an dln::Error with a stable
// code and the name of the offending field, so the binding can turn it into a JS error that says
// what to fix. Nothing in the core aborts the process on bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace dln {

enum class ErrorCode {
  Type,       // a value of the wrong type
  Shape,      // wrong length, shape or mismatched dimensions
  Value,      // a value out of range, or not finite where a finite value is required
  Memory,     // the request would exceed the memory cap, or its size overflows
  Cancelled,  // the caller asked to stop
  Internal,   // a bug: an invariant of the core did not hold
};

// Stable names, part of the public contract (documented in README "Errors").
const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  // what() is "field: detail" (or just the detail when there is no field).
  Error(ErrorCode code, std::string field, std::string detail)
      : std::runtime_error(field.empty() ? detail : field + ": " + detail), code_(code), field_(std::move(field)),
        detail_(std::move(detail)) {}
  ErrorCode code() const { return code_; }
  const std::string& field() const { return field_; }
  const std::string& detail() const { return detail_; }
  // The same error with its field placed under `path` ("options" + "scale" -> "options.scale").
  Error under(const std::string& path) const {
    if (path.empty()) return *this;
    return Error(code_, field_.empty() ? path : path + "." + field_, detail_);
  }

 private:
  ErrorCode code_;
  std::string field_;
  std::string detail_;
};

[[noreturn]] void fail(ErrorCode code, const std::string& field, const std::string& message);

}  // namespace dln
