// Data generators and initializations: synchronous (they are small), deterministic in their seed.
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "data.hpp"
#include "errors.hpp"
#include "init.hpp"
#include "jax_random.hpp"
#include "marion_chizat_authors.hpp"

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

Napi::Float32Array ToFloat32Array(Napi::Env env, const std::vector<float>& v) {
  auto a = Napi::Float32Array::New(env, v.size());
  for (std::size_t i = 0; i < v.size(); ++i) a[i] = v[i];
  return a;
}

Napi::Uint32Array ToUint32Array(Napi::Env env, const std::vector<std::uint32_t>& v) {
  auto a = Napi::Uint32Array::New(env, v.size());
  for (std::size_t i = 0; i < v.size(); ++i) a[i] = v[i];
  return a;
}

dln::AuthorsCode ParseAuthorsCode(const std::string& source, const std::string& field) {
  if (source == "authors") return dln::AuthorsCode::May2024;
  if (source == "authors-2024-10") return dln::AuthorsCode::October2024;
  dln::fail(dln::ErrorCode::Value, field, "expected \"authors\" or \"authors-2024-10\", got \"" + source + "\"");
}

void SetRegression(Napi::Env env, Napi::Object o, const dln::RegressionData& data) {
  o.Set("n", Napi::Number::New(env, static_cast<double>(data.n)));
  o.Set("d", Napi::Number::New(env, static_cast<double>(data.d)));
  o.Set("X", ToFloat64Array(env, data.X));
  o.Set("y", ToFloat64Array(env, data.y));
  o.Set("XTest", ToFloat64Array(env, data.XTest));
  o.Set("yTest", ToFloat64Array(env, data.yTest));
  o.Set("wStar", ToFloat64Array(env, data.wStar));
  o.Set("normFactor", Napi::Number::New(env, data.normFactor));
}

// The authors' draw (source "authors" / "authors-2024-10"): the data, JAX's float32 draws, and the
// projections the key chain defines for the (50, 5) dataset.
Napi::Value MarionChizatAuthors(Napi::Env env, const Reader& r, const std::string& source) {
  const dln::AuthorsCode code = ParseAuthorsCode(source, r.path("source"));
  const bool october = code == dln::AuthorsCode::October2024;
  if (r.has("seed"))
    dln::fail(dln::ErrorCode::Value, r.path("seed"), "is for source \"seed\"; the authors' data comes from PRNGKey(0)");
  const std::size_t n = r.integer("n", 50, 1, 1u << 30);
  const std::size_t d = r.integer("d", 5, 1, 1u << 30);
  const std::size_t expectedTest = october ? n : 0;
  const std::size_t nTest = r.integer("nTest", expectedTest, 0, 1u << 30);
  if (nTest != expectedTest) {
    dln::fail(dln::ErrorCode::Value, r.path("nTest"),
              october ? "the October 2024 code draws a test set of n points (give n or leave it out)"
                      : "the May 2024 code draws no test set (give 0 or leave it out; authors-2024-10 has one)");
  }
  const double noise = r.number("noise", 1.0);
  r.rejectUnknown();
  auto data = UnderPath(r.base(), [&] { return dln::marionChizatAuthorsData(code, n, d, noise); });
  auto o = Napi::Object::New(env);
  SetRegression(env, o, data);
  o.Set("source", Napi::String::New(env, source));
  auto draws = Napi::Object::New(env);
  draws.Set("wTrue", ToFloat32Array(env, data.wTrue));
  draws.Set("noise", ToFloat32Array(env, data.zeta));
  draws.Set("noiseTest", ToFloat32Array(env, data.zetaTest));
  o.Set("draws", draws);
  if (n == 50 && d == 5) {
    o.Set("projection", ToFloat64Array(env, dln::marionChizatAuthorsProjection(code, d)));
    if (october) {
      auto byDepth = Napi::Object::New(env);
      for (std::size_t L : dln::kAuthorsDepths)
        byDepth.Set(std::to_string(L), ToFloat64Array(env, dln::marionChizatAuthorsProjection(code, d, L)));
      o.Set("depthProjections", byDepth);
    }
  }
  return o;
}

Napi::Value MarionChizat(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::string source = r.string("source", "seed");
    if (source != "seed") return MarionChizatAuthors(info.Env(), r, source);
    const std::size_t n = r.integer("n", 50, 1, 1u << 30);
    const std::size_t d = r.integer("d", 5, 1, 1u << 30);
    const std::size_t nTest = r.integer("nTest", n, 0, 1u << 30);
    const double noise = r.number("noise", 1.0);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    r.rejectUnknown();
    auto data = UnderPath("options", [&] { return dln::marionChizatData(n, d, noise, seed, nTest); });
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    SetRegression(env, o, data);
    o.Set("source", Napi::String::New(env, source));
    return o;
  });
}

dln::jax::Key ReadKey(const Reader& r) {
  const std::vector<std::size_t> k = r.sizes("key", 0);
  if (k.size() != 2 || k[0] > 0xffffffffu || k[1] > 0xffffffffu) {
    dln::fail(dln::ErrorCode::Value, r.path("key"), "expected two uint32 words [k0, k1]");
  }
  return {static_cast<std::uint32_t>(k[0]), static_cast<std::uint32_t>(k[1])};
}

Napi::Uint32Array KeysToJs(Napi::Env env, const std::vector<dln::jax::Key>& keys) {
  std::vector<std::uint32_t> flat;
  for (const auto& k : keys) flat.insert(flat.end(), k.begin(), k.end());
  return ToUint32Array(env, flat);
}

// JAX's generator for tests and for code that needs the authors' other draws:
// { op: "key", seed } | { op: "split", key, num } | { op: "bits" | "uniform" | "normal", key, count,
// minval?, maxval? } | { op: "authorsKey", source, which, depth? }. Keys come back as Uint32Array
// (2 words per key), bits as Uint32Array, draws as Float32Array.
Napi::Value JaxRandom(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    Napi::Env env = info.Env();
    const std::string op = r.string("op");
    const std::uint64_t maxCount = (std::uint64_t(1) << 28);
    if (op == "key") return KeysToJs(env, {dln::jax::prngKey(r.integer("seed", 0, std::uint64_t(1) << 53))});
    if (op == "authorsKey") {
      static const std::pair<const char*, dln::AuthorsKey> kNames[] = {
          {"data", dln::AuthorsKey::Data},
          {"gaussian-init", dln::AuthorsKey::GaussianInit},
          {"gaussian-sweep", dln::AuthorsKey::GaussianSweep},
          {"gaussian-traces", dln::AuthorsKey::GaussianTraces},
          {"residual-init", dln::AuthorsKey::ResidualInit},
          {"residual-projection", dln::AuthorsKey::ResidualProjection},
          {"residual-sweep", dln::AuthorsKey::ResidualSweep},
          {"residual-traces", dln::AuthorsKey::ResidualTraces},
          {"depth-init", dln::AuthorsKey::DepthInit},
          {"depth-projection", dln::AuthorsKey::DepthProjection},
          {"depth-sweep", dln::AuthorsKey::DepthSweep},
          {"underdetermined-data", dln::AuthorsKey::UnderdeterminedData},
          {"underdetermined-init", dln::AuthorsKey::UnderdeterminedInit},
          {"underdetermined-sweep", dln::AuthorsKey::UnderdeterminedSweep},
      };
      const dln::AuthorsCode code = ParseAuthorsCode(r.string("source"), r.path("source"));
      const std::string which = r.string("which");
      const std::size_t depth = r.integer("depth", 0, 0, 1u << 20);
      for (const auto& [name, key] : kNames) {
        if (which == name)
          return KeysToJs(env, {UnderPath(r.base(), [&] { return dln::authorsKey(code, key, depth); })});
      }
      dln::fail(dln::ErrorCode::Value, r.path("which"), "unknown key \"" + which + "\" (see README, \"Data sources\")");
    }
    const dln::jax::Key key = ReadKey(r);
    if (op == "split") return KeysToJs(env, dln::jax::split(key, r.integer("num", 2, 1, maxCount)));
    const std::size_t count = r.integer("count", 1, 0, maxCount);
    if (op == "bits") return ToUint32Array(env, dln::jax::randomBits(key, count));
    if (op == "normal") return ToFloat32Array(env, dln::jax::normal(key, count));
    if (op == "uniform") {
      const float minval = static_cast<float>(r.number("minval", 0.0));
      const float maxval = static_cast<float>(r.number("maxval", 1.0));
      return ToFloat32Array(env, dln::jax::uniform(key, count, minval, maxval));
    }
    dln::fail(dln::ErrorCode::Value, r.path("op"),
              "expected key, split, bits, uniform, normal or authorsKey, got \"" + op + "\"");
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
    r.rejectUnknown();
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
    r.rejectUnknown();
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
    spec.rejectUnknown();
    dln::NetworkSpec net = UnderPath("spec", [&] { return dln::NetworkSpec(widths, projection); });
    dln::InitOptions options = ParseInitOptions(Reader(info[1], "options"));
    // The weights in the core and their JS copy exist together while they are handed over.
    dln::MemoryReservation copies(dln::doubleBytes(dln::checkedMul(net.paramCount(), 2, "spec.widths"), "spec.widths"),
                                  "spec.widths");
    return ToFloat64Array(info.Env(), UnderPath("options", [&] { return dln::initialize(net, options); }));
  });
}

Napi::Value LazyStd(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader spec(info[0], "spec");
    std::vector<std::size_t> widths = spec.sizes("widths");
    dln::NetworkSpec net = UnderPath("spec", [&] { return dln::NetworkSpec(widths, {}); });
    Reader o(info[1], "options");
    const double sigma = o.number("sigma", 1.0);
    o.rejectUnknown();
    return Napi::Number::New(info.Env(), dln::lazyStd(net, sigma));
  });
}

Napi::Value UnitVector(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Reader r(info[0], "options");
    const std::size_t d = r.integer("d", 1, 1u << 30);
    const std::uint64_t seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
    const std::uint64_t stream = r.integer("stream", 0, 0, std::uint64_t(1) << 53);
    r.rejectUnknown();
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
  exports.Set("jaxRandom", Napi::Function::New(env, JaxRandom, "jaxRandom"));
}

}  // namespace binding
