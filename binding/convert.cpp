#include "convert.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "error.hpp"
#include "memory.hpp"

namespace binding {

using dln::ErrorCode;
using dln::fail;

namespace {

const char* typeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_object: return v.IsArray() ? "an array" : v.IsTypedArray() ? "a typed array" : "an object";
    case napi_function: return "a function";
    case napi_external: return "an external";
    case napi_bigint: return "a bigint";
  }
  return "an unknown value";
}

std::vector<double> copyFloat64(const Napi::Value& value, const std::string& field, std::size_t expectedLength,
                                const std::string& shape, bool allowEmpty, bool requireFinite) {
  const std::string expected = shape.empty() ? "a Float64Array" : "a Float64Array of shape " + shape;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    fail(ErrorCode::Type, field, std::string("expected ") + expected + ", got " + typeName(value));
  }
  auto array = value.As<Napi::Float64Array>();
  if (array.ArrayBuffer().IsDetached()) fail(ErrorCode::Type, field, "the Float64Array's buffer is detached");
  const std::size_t n = array.ElementLength();
  if (expectedLength != 0 && n != expectedLength) {
    fail(ErrorCode::Shape, field,
         "expected " + std::to_string(expectedLength) + " values (" + (shape.empty() ? "" : shape + ", ") +
             "row-major), got " + std::to_string(n));
  }
  if (n == 0 && !allowEmpty) fail(ErrorCode::Shape, field, "must not be empty");
  dln::requireDoubles(n, field);
  const double* data = array.Data();
  std::vector<double> out(data, data + n);
  if (requireFinite) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(out[i])) {
        fail(ErrorCode::Value, field,
             "entry " + std::to_string(i) + " is " + (std::isnan(out[i]) ? "NaN" : "infinite") +
                 "; all values must be finite");
      }
    }
  }
  return out;
}

// Optimal-string-alignment distance (edits and adjacent transpositions), case-insensitive: the
// measure of lib/util/closest.ts, so the binding and the API suggest the same names.
std::size_t editDistance(std::string a, std::string b) {
  for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

// " (did you mean X?)" when a known key is within max(1, len / 3) edits, else "".
std::string didYouMean(const std::string& key, const std::set<std::string>& known) {
  const std::size_t limit = std::max<std::size_t>(1, key.size() / 3);
  std::string best;
  std::size_t bestDistance = limit + 1;
  for (const auto& k : known) {
    const std::size_t d = editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

}  // namespace

Reader::Reader(Napi::Value value, std::string path) : path_(std::move(path)) {
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray() || value.IsFunction()) {
    fail(ErrorCode::Type, path_, std::string("expected an object, got ") + typeName(value));
  }
  object_ = value.As<Napi::Object>();
}

bool Reader::has(const char* key) const {
  asked_.insert(key);
  // One property read, kept for the accessor that asked (value()): a missing property reads as
  // undefined, so no separate Has() is needed. Options objects are parsed per run of a sweep, on
  // the main thread, where each N-API lookup counts.
  lastKey_ = key;
  last_ = object_.Get(key);
  return !last_.IsUndefined() && !last_.IsNull();
}

Napi::Value Reader::value(const char* key) const { return key == lastKey_ ? last_ : object_.Get(key); }

void Reader::rejectUnknown() const {
  const Napi::Array keys = object_.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const Napi::Value k = keys.Get(i);
    if (!k.IsString()) continue;
    const std::string key = k.As<Napi::String>().Utf8Value();
    if (asked_.count(key) || object_.Get(key).IsUndefined()) continue;
    fail(ErrorCode::Value, path(key.c_str()), "unknown option" + didYouMean(key, asked_));
  }
}

double Reader::number(const char* key) const {
  if (!has(key)) fail(ErrorCode::Type, path(key), "is required (a finite number)");
  Napi::Value v = value(key);
  if (!v.IsNumber()) fail(ErrorCode::Type, path(key), std::string("expected a finite number, got ") + typeName(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) fail(ErrorCode::Value, path(key), "expected a finite number, got " + std::to_string(d));
  return d;
}

double Reader::number(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }

double Reader::extendedNumber(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  Napi::Value v = value(key);
  if (!v.IsNumber()) fail(ErrorCode::Type, path(key), std::string("expected a number, got ") + typeName(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) fail(ErrorCode::Value, path(key), "expected a number, got NaN");
  return d;
}

std::uint64_t Reader::integer(const char* key, std::uint64_t min, std::uint64_t max) const {
  if (!has(key)) fail(ErrorCode::Type, path(key), "is required (an integer)");
  Napi::Value v = value(key);
  if (!v.IsNumber()) fail(ErrorCode::Type, path(key), std::string("expected an integer, got ") + typeName(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d))
    fail(ErrorCode::Value, path(key), "expected an integer, got " + std::to_string(d));
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    fail(ErrorCode::Value, path(key),
         "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + std::to_string(d));
  }
  return static_cast<std::uint64_t>(d);
}

std::uint64_t Reader::integer(const char* key, std::uint64_t fallback, std::uint64_t min, std::uint64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

bool Reader::boolean(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  Napi::Value v = value(key);
  if (!v.IsBoolean()) fail(ErrorCode::Type, path(key), std::string("expected a boolean, got ") + typeName(v));
  return v.As<Napi::Boolean>().Value();
}

std::string Reader::string(const char* key) const {
  if (!has(key)) fail(ErrorCode::Type, path(key), "is required (a string)");
  Napi::Value v = value(key);
  if (!v.IsString()) fail(ErrorCode::Type, path(key), std::string("expected a string, got ") + typeName(v));
  return v.As<Napi::String>().Utf8Value();
}

std::string Reader::string(const char* key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

std::vector<std::string> Reader::strings(const char* key) const {
  if (!has(key)) return {};
  return ArgStrings(value(key), path(key));
}

std::vector<std::size_t> Reader::sizes(const char* key, std::size_t min) const {
  if (!has(key)) fail(ErrorCode::Type, path(key), "is required (an array of integers)");
  Napi::Value v = value(key);
  if (!v.IsArray()) fail(ErrorCode::Type, path(key), std::string("expected an array of integers, got ") + typeName(v));
  auto array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  if (n > 100000) fail(ErrorCode::Shape, path(key), "too many entries (" + std::to_string(n) + ")");
  std::vector<std::size_t> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const std::string field = path(key) + "[" + std::to_string(i) + "]";
    Napi::Value e = array.Get(i);
    if (!e.IsNumber()) fail(ErrorCode::Type, field, std::string("expected an integer, got ") + typeName(e));
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d))
      fail(ErrorCode::Value, field, "expected an integer, got " + std::to_string(d));
    if (d < static_cast<double>(min) || d > 9007199254740992.0) {
      fail(ErrorCode::Value, field, "must be an integer >= " + std::to_string(min) + ", got " + std::to_string(d));
    }
    out.push_back(static_cast<std::size_t>(d));
  }
  return out;
}

std::vector<double> Reader::doubles(const char* key, std::size_t expectedLength, const std::string& shape,
                                    bool allowEmpty, bool requireFinite) const {
  if (!has(key)) {
    fail(ErrorCode::Type, path(key),
         "is required (" + (shape.empty() ? std::string("a Float64Array") : "a Float64Array of shape " + shape) + ")");
  }
  return copyFloat64(value(key), path(key), expectedLength, shape, allowEmpty, requireFinite);
}

std::optional<std::vector<double>> Reader::optionalDoubles(const char* key, std::size_t expectedLength,
                                                           const std::string& shape) const {
  if (!has(key)) return std::nullopt;
  return doubles(key, expectedLength, shape);
}

std::vector<std::string> ArgStrings(Napi::Value v, const std::string& field) {
  std::vector<std::string> out;
  if (!v.IsArray()) fail(ErrorCode::Type, field, std::string("expected an array of strings, got ") + typeName(v));
  auto array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  if (n > 4096) fail(ErrorCode::Shape, field, "too many entries (" + std::to_string(n) + ")");
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value e = array.Get(i);
    if (!e.IsString()) {
      fail(ErrorCode::Type, field + "[" + std::to_string(i) + "]",
           std::string("expected a string, got ") + typeName(e));
    }
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

std::vector<double> ArgDoubles(Napi::Value value, const std::string& field, std::size_t expectedLength,
                               const std::string& shape) {
  return copyFloat64(value, field, expectedLength, shape, false, true);
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const double* data, std::size_t count) {
  auto array = Napi::Float64Array::New(env, count);
  if (count) std::copy(data, data + count, array.Data());
  return array;
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  return ToFloat64Array(env, v.data(), v.size());
}

Napi::Value NumberOrNull(Napi::Env env, double v) {
  if (std::isnan(v)) return env.Null();
  return Napi::Number::New(env, v);
}

Napi::Array MoveTraceToJs(Napi::Env env, dln::Trace& trace, dln::MemoryReservation& memory) {
  auto columns = Napi::Array::New(env, trace.columns().size());
  for (std::size_t i = 0; i < trace.columns().size(); ++i) {
    const auto& c = trace.column(i);
    auto col = Napi::Object::New(env);
    col.Set("name", c.name);
    col.Set("width", Napi::Number::New(env, static_cast<double>(c.width)));
    col.Set("values", ToFloat64Array(env, c.values));
    columns.Set(static_cast<uint32_t>(i), col);
    memory.shrink(trace.freeColumn(i));
  }
  return columns;
}

Napi::Array TraceToJs(Napi::Env env, const dln::Trace& trace) {
  auto columns = Napi::Array::New(env, trace.columns().size());
  for (std::size_t i = 0; i < trace.columns().size(); ++i) {
    const auto& c = trace.column(i);
    auto col = Napi::Object::New(env);
    col.Set("name", c.name);
    col.Set("width", Napi::Number::New(env, static_cast<double>(c.width)));
    col.Set("values", ToFloat64Array(env, c.values));
    columns.Set(static_cast<uint32_t>(i), col);
  }
  return columns;
}

}  // namespace binding
