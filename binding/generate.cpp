// Data generators and initializations: synchronous (they are small), deterministic in their seed.
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "data.hpp"
#include "errors.hpp"
#include "init.hpp"

namespace binding {

namespace {

Napi::Float64Array EntriesToJs(Napi::Env env, const std::vector<dln::Entry>& entries) {
  auto a = Napi::Float64Array::New(env, entries.size() * 3);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    a[3 * i] = static_cast<double>(entries[i].row);
    a[3 * i + 1] = static_cast<double>(entries[i].col);
    a[3 * i + 2] = entries[i].value;
  }
  return a;
}

Napi::Value MarionChizat(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::size_t n = r.integer("n", 50, 1, 1u << 30);
    const std::size_t d = r.integer("d", 5, 1, 1u << 30);
    const std::size_t nTest = r.integer("nTest", n, 0, 1u << 30);
    const double noise = r.number("noise", 1.0);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    auto data = UnderPath("options", [&] { return dln::marionChizatData(n, d, noise, seed, nTest); });
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("n", Napi::Number::New(env, static_cast<double>(data.n)));
    o.Set("d", Napi::Number::New(env, static_cast<double>(data.d)));
    o.Set("X", ToFloat64Array(env, data.X));
    o.Set("y", ToFloat64Array(env, data.y));
    o.Set("XTest", ToFloat64Array(env, data.XTest));
    o.Set("yTest", ToFloat64Array(env, data.yTest));
    o.Set("wStar", ToFloat64Array(env, data.wStar));
    o.Set("normFactor", Napi::Number::New(env, data.normFactor));
    return o;
  });
}

Napi::Value JacotTeacher(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::size_t d = r.integer("d", 10, 1, 1u << 20);
    const std::size_t rank = r.integer("rank", 3, 1, 1u << 20);
    const std::size_t n = r.integer("n", 100, 1, 1u << 30);
    const std::size_t nTest = r.integer("nTest", 1000, 0, 1u << 30);
    const double noise = r.number("noise", 0.2);
    const std::string scaling = r.string("teacherScale", "column-variance");
    if (scaling != "column-variance" && scaling != "constant") {
      dln::fail(dln::ErrorCode::Value, "options.teacherScale", "expected \"column-variance\" or \"constant\"");
    }
    const double teacherStd = r.number("teacherStd", 1.0);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    auto data = UnderPath("options", [&] {
      return dln::jacotTeacherData(d, rank, n, nTest, noise, scaling == "column-variance", teacherStd, seed);
    });
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("d", Napi::Number::New(env, static_cast<double>(d)));
    o.Set("n", Napi::Number::New(env, static_cast<double>(n)));
    o.Set("X", ToFloat64Array(env, data.X));
    o.Set("Y", ToFloat64Array(env, data.Y));
    o.Set("XTest", ToFloat64Array(env, data.XTest));
    o.Set("YTest", ToFloat64Array(env, data.YTest));
    o.Set("teacher", ToFloat64Array(env, data.teacher));
    o.Set("noisyTeacher", ToFloat64Array(env, data.noisyTeacher));
    return o;
  });
}

Napi::Value Completion(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::size_t rows = r.integer("rows", 10, 1, 1u << 20);
    const std::size_t cols = r.integer("cols", rows, 1, 1u << 20);
    const std::size_t rank = r.integer("rank", 3, 1, 1u << 20);
    const std::size_t observed = r.integer("observed", 50, 1, std::uint64_t(1) << 40);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    auto data = UnderPath("options", [&] { return dln::completionData(rows, cols, rank, observed, seed); });
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
    o.Set("cols", Napi::Number::New(env, static_cast<double>(cols)));
    o.Set("target", ToFloat64Array(env, data.target));
    o.Set("entries", EntriesToJs(env, data.observed));
    o.Set("testEntries", EntriesToJs(env, data.test));
    return o;
  });
}

Napi::Value InitWeights(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader spec(info[0], "spec");
    std::vector<std::size_t> widths = spec.sizes("widths");
    std::vector<double> projection;
    if (spec.has("projection")) projection = spec.doubles("projection");
    dln::NetworkSpec net = UnderPath("spec", [&] { return dln::NetworkSpec(widths, projection); });
    dln::InitOptions options = ParseInitOptions(Reader(info[1], "options"));
    // The weights in the core and their JS copy exist together while they are handed over.
    dln::MemoryReservation copies(dln::doubleBytes(dln::checkedMul(net.paramCount(), 2, "spec.widths"), "spec.widths"), "spec.widths");
    return ToFloat64Array(info.Env(), UnderPath("options", [&] { return dln::initialize(net, options); }));
  });
}

Napi::Value LazyStd(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader spec(info[0], "spec");
    std::vector<std::size_t> widths = spec.sizes("widths");
    dln::NetworkSpec net = UnderPath("spec", [&] { return dln::NetworkSpec(widths, {}); });
    Reader o(info[1], "options");
    return Napi::Number::New(info.Env(), dln::lazyStd(net, o.number("sigma", 1.0)));
  });
}

Napi::Value UnitVector(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::size_t d = r.integer("d", 1, 1u << 30);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    const std::uint64_t stream = r.integer("stream", 0, 0, std::uint64_t(1) << 53);
    return ToFloat64Array(info.Env(), dln::randomUnitVector(d, seed, stream));
  });
}

}  // namespace

void RegisterGenerate(Napi::Env env, Napi::Object exports) {
  exports.Set("generateMarionChizat", Napi::Function::New(env, MarionChizat, "generateMarionChizat"));
  exports.Set("generateJacotTeacher", Napi::Function::New(env, JacotTeacher, "generateJacotTeacher"));
  exports.Set("generateCompletion", Napi::Function::New(env, Completion, "generateCompletion"));
  exports.Set("initWeights", Napi::Function::New(env, InitWeights, "initWeights"));
  exports.Set("lazyStd", Napi::Function::New(env, LazyStd, "lazyStd"));
  exports.Set("randomUnitVector", Napi::Function::New(env, UnitVector, "randomUnitVector"));
}

}  // namespace binding
