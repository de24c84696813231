// JS -> core conversion, with all argument validation. A Reader walks one options object and
// names each field by its path ("options.learningRate", "problem.X"), so every error says which
// field is wrong and what shape was expected. It also records every key it is asked about, so
// that rejectUnknown() refuses the keys nobody read (a misspelt option) without a second list of
// names. No arithmetic lives here.
#pragma once

#include <napi.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "error.hpp"
#include "memory.hpp"
#include "trace.hpp"

namespace binding {

class Reader {
 public:
  // Throws ERR_DLN_TYPE if `value` is not a plain object.
  Reader(Napi::Value value, std::string path);

  bool has(const char* key) const;  // every accessor goes through has() or notes its key
  std::string path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& base() const { return path_; }
  Napi::Value raw(const char* key) const {
    asked_.insert(key);
    return object_.Get(key);
  }
  Reader child(const char* key) const {
    asked_.insert(key);
    return Reader(object_.Get(key), path(key));
  }

  // Throws ERR_DLN_VALUE for the first key of the object (its value not undefined) that no read
  // asked about: "options.recordEvry: unknown option (did you mean recordEvery?)". Call it once
  // everything the call uses has been read.
  void rejectUnknown() const;

  double number(const char* key) const;  // required, finite
  double number(const char* key, double fallback) const;
  // A number that may be +/-Infinity (targets, ceilings); NaN is refused.
  double extendedNumber(const char* key, double fallback) const;
  std::uint64_t integer(const char* key, std::uint64_t min = 0,
                        std::uint64_t max = (std::uint64_t(1) << 53)) const;  // required
  std::uint64_t integer(const char* key, std::uint64_t fallback, std::uint64_t min, std::uint64_t max) const;
  bool boolean(const char* key, bool fallback) const;
  std::string string(const char* key) const;
  std::string string(const char* key, const std::string& fallback) const;
  std::vector<std::string> strings(const char* key) const;                     // optional; empty if absent
  std::vector<std::size_t> sizes(const char* key, std::size_t min = 1) const;  // array of integers
  // Copies a Float64Array. expectedLength 0 = any (but non-empty unless allowEmpty).
  std::vector<double> doubles(const char* key, std::size_t expectedLength = 0, const std::string& shape = "",
                              bool allowEmpty = false, bool requireFinite = true) const;
  std::optional<std::vector<double>> optionalDoubles(const char* key, std::size_t expectedLength = 0,
                                                     const std::string& shape = "") const;

  const Napi::Object& object() const { return object_; }

 private:
  Napi::Object object_;
  // The key has() read last and its value: the accessor that called has() reads it from here.
  mutable const char* lastKey_ = nullptr;
  mutable Napi::Value last_;
  Napi::Value value(const char* key) const;
  std::string path_;
  mutable std::set<std::string> asked_;
};

// Runs `f`, placing the field of any core error under `path`.
template <class F>
auto UnderPath(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const dln::Error& e) {
    throw e.under(path);
  }
}

// An array of strings argument (not part of an options object).
std::vector<std::string> ArgStrings(Napi::Value value, const std::string& field);
// Runs a driver, placing an error on one of its options (recordEvery) under "options"; errors on
// the point ("weights") and others pass as they are.
template <class F>
void UnderOptions(F&& f) {
  try {
    f();
  } catch (const dln::Error& e) {
    if (e.field() == "recordEvery") throw e.under("options");
    throw;
  }
}

// Frees a buffer now: a job gives its memory back (and its reservation) when its result has been
// handed to JS or when it fails, not whenever the last reference to the job goes.
template <class T>
void Free(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

// Copies a Float64Array argument (not part of an options object).
std::vector<double> ArgDoubles(Napi::Value value, const std::string& field, std::size_t expectedLength,
                               const std::string& shape);
Napi::Float64Array ToFloat64Array(Napi::Env env, const double* data, std::size_t count);
Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v);
// NaN -> null, so that nothing non-finite is silently reported as a number.
Napi::Value NumberOrNull(Napi::Env env, double v);
// A Trace as an array of {name, width, values: Float64Array}.
Napi::Array TraceToJs(Napi::Env env, const dln::Trace& trace);
// The same, freeing each native column once copied and giving its bytes back to `memory` (the
// trace's reservation): the trace and its JS copy never coexist beyond one column.
Napi::Array MoveTraceToJs(Napi::Env env, dln::Trace& trace, dln::MemoryReservation& memory);

}  // namespace binding
