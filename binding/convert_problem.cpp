#include "convert_problem.hpp"

#include <cmath>

#include "error.hpp"
#include "losses/completion.hpp"
#include "losses/mse.hpp"
#include "losses/regression.hpp"
#include "memory.hpp"

namespace binding {

using dln::ErrorCode;
using dln::fail;

namespace {

std::string shape(std::size_t rows, std::size_t cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

std::vector<dln::Entry> parseEntries(const Reader& r, const char* key, std::size_t rows, std::size_t cols) {
  std::vector<double> raw = r.doubles(key);
  if (raw.size() % 3 != 0) {
    fail(ErrorCode::Shape, r.path(key),
         "expected N x 3 values (row, col, value per entry), got " + std::to_string(raw.size()));
  }
  std::vector<dln::Entry> entries(raw.size() / 3);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double row = raw[3 * i], col = raw[3 * i + 1];
    const std::string field = r.path(key) + "[" + std::to_string(i) + "]";
    if (row != std::floor(row) || row < 0 || row >= static_cast<double>(rows)) {
      fail(ErrorCode::Value, field, "row index must be an integer in [0, " + std::to_string(rows) + ")");
    }
    if (col != std::floor(col) || col < 0 || col >= static_cast<double>(cols)) {
      fail(ErrorCode::Value, field, "column index must be an integer in [0, " + std::to_string(cols) + ")");
    }
    entries[i] = {static_cast<std::size_t>(row), static_cast<std::size_t>(col), raw[3 * i + 2]};
  }
  return entries;
}

}  // namespace

std::shared_ptr<const dln::Problem> ParseProblem(const Reader& r) {
  const std::string kind = r.string("kind");
  std::vector<double> projection;
  if (r.has("projection")) projection = r.doubles("projection");
  std::vector<std::size_t> widths = r.sizes("widths");
  dln::NetworkSpec spec = UnderPath(r.base(), [&] { return dln::NetworkSpec(widths, projection); });
  const std::size_t d0 = spec.inputDim(), dL = spec.outputDim();
  const double l2 = r.number("l2", 0.0);
  std::shared_ptr<const dln::Loss> loss;
  if (kind == "regression" || kind == "mse") {
    const std::size_t n = r.integer("n", 1);
    const std::size_t dOut = kind == "regression" ? 1 : dL;
    std::vector<double> X = r.doubles("X", dln::checkedMul(n, d0, r.path("X")), shape(n, d0));
    const char* yKey = kind == "regression" ? "y" : "Y";
    std::vector<double> Y = r.doubles(yKey, dln::checkedMul(n, dOut, r.path(yKey)),
                                      kind == "regression" ? "[" + std::to_string(n) + "]" : shape(n, dOut));
    const char* yTestKey = kind == "regression" ? "yTest" : "YTest";
    std::vector<double> XTest, YTest;
    std::size_t nTest = 0;
    if (r.has("XTest") || r.has(yTestKey)) {
      YTest = r.doubles(yTestKey);
      if (YTest.size() % dOut != 0) {
        fail(ErrorCode::Shape, r.path(yTestKey),
             "expected nTest x " + std::to_string(dOut) + " values, got " + std::to_string(YTest.size()));
      }
      nTest = YTest.size() / dOut;
      XTest = r.doubles("XTest", dln::checkedMul(nTest, d0, r.path("XTest")), shape(nTest, d0));
    }
    loss = UnderPath(r.base(), [&]() -> std::shared_ptr<const dln::Loss> {
      if (kind == "regression") {
        return std::make_shared<dln::RegressionLoss>(n, d0, X.data(), Y.data(), nTest, XTest.data(), YTest.data());
      }
      return std::make_shared<dln::MseLoss>(n, d0, dL, X.data(), Y.data(), nTest, XTest.data(), YTest.data());
    });
  } else if (kind == "completion") {
    std::vector<dln::Entry> observed = parseEntries(r, "entries", dL, d0);
    std::vector<dln::Entry> test;
    if (r.has("testEntries")) test = parseEntries(r, "testEntries", dL, d0);
    loss = UnderPath(r.base(), [&] { return std::make_shared<dln::CompletionLoss>(dL, d0, observed, test); });
  } else {
    fail(ErrorCode::Value, r.path("kind"), "expected \"regression\", \"mse\" or \"completion\", got \"" + kind + "\"");
  }
  r.rejectUnknown();
  return UnderPath(r.base(),
                   [&] { return std::make_shared<const dln::Problem>(std::move(spec), std::move(loss), l2); });
}

std::vector<double> ParseWeights(Napi::Value value, const dln::Problem& problem, const std::string& field) {
  return ArgDoubles(
      value, field, problem.spec().paramCount(),
      "[" + std::to_string(problem.spec().paramCount()) + "] (the layers W_1..W_L, each row-major, concatenated)");
}

dln::SharpnessOptions ParseSharpnessOptions(const Reader& s) {
  dln::SharpnessOptions o;
  const std::string method = s.string("method", "lanczos");
  if (method == "lanczos") o.method = dln::SharpnessOptions::Method::Lanczos;
  else if (method == "power") o.method = dln::SharpnessOptions::Method::Power;
  else if (method == "dense") o.method = dln::SharpnessOptions::Method::Dense;
  else fail(ErrorCode::Value, s.path("method"), "expected \"lanczos\", \"power\" or \"dense\", got \"" + method + "\"");
  o.k = s.integer("k", 1, 1, 1u << 20);
  o.tol = s.number("tol", o.tol);
  o.maxIterations = s.integer("maxIterations", 0, 0, 1u << 20);
  o.powerIterations = s.integer("powerIterations", 20, 1, 1u << 20);
  o.seed = s.integer("seed", 0, 0, std::uint64_t(1) << 53);
  o.warmStart = s.boolean("warmStart", true);
  UnderPath(s.base(), [&] { dln::validate(o); });
  return o;
}

dln::ProbeOptions ParseProbeOptions(const Reader& r) {
  dln::ProbeOptions o;
  o.rankTolerance = r.number("rankTolerance", o.rankTolerance);
  if (o.rankTolerance < 0) fail(ErrorCode::Value, r.path("rankTolerance"), "must be >= 0");
  if (r.has("sharpness")) {
    const Reader s = r.child("sharpness");
    o.sharpness = ParseSharpnessOptions(s);
    s.rejectUnknown();
  }
  return o;
}

// The optimizer block: its kind and every field any rule declares (a field of another kind is
// then refused by the core, naming the kind's own fields).
dln::OptimizerOptions ParseOptimizerOptions(const Reader& r) {
  dln::OptimizerOptions o;
  o.kind = r.string("kind", "gd");
  for (const dln::OptimizerRule* rule : dln::optimizerRules()) {
    for (const dln::OptimizerField& f : rule->fields) {
      if (o.values.count(f.name) || !r.has(f.name)) continue;
      o.values[f.name] = f.type == dln::FieldType::Boolean ? (r.boolean(f.name, false) ? 1.0 : 0.0) : r.number(f.name);
    }
  }
  r.rejectUnknown();  // the values are checked with the rest, by dln::validate(GdOptions)
  return o;
}

dln::GdOptions ParseGdOptions(const Reader& r) {
  dln::GdOptions o;
  o.learningRate = r.number("learningRate");
  o.maxSteps = r.integer("steps", 0);
  o.recordEvery = r.integer("recordEvery", 0, 0, std::uint64_t(1) << 53);
  o.recordPerDecade = r.integer("recordPerDecade", 0, 0, 1000);
  o.record = r.strings("record");
  o.probeOptions = ParseProbeOptions(r);
  o.lossTarget = r.extendedNumber("lossTarget", o.lossTarget);
  o.excessLossTarget = r.extendedNumber("excessLossTarget", o.excessLossTarget);
  o.gradNormTarget = r.number("gradNormTarget", 0.0);
  if (r.has("lossCeiling")) o.lossCeiling = r.extendedNumber("lossCeiling", 0.0);
  if (r.has("optimizer")) o.optimizer = ParseOptimizerOptions(r.child("optimizer"));
  o.seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
  r.rejectUnknown();
  UnderPath(r.base(), [&] { dln::validate(o); });
  return o;
}

dln::InitOptions ParseInitOptions(const Reader& r) {
  dln::InitOptions o;
  const std::string kind = r.string("kind", "gaussian");  // outside UnderPath: its error already names options.kind
  o.kind = UnderPath(r.base(), [&] { return dln::parseInitKind(kind); });
  o.scale = r.number("scale", o.scale);
  if (r.has("layerScales")) o.layerScales = r.doubles("layerScales");
  o.zeroLayer = r.integer("zeroLayer", 0, 0, std::uint64_t(1) << 32);
  o.sigma = r.number("sigma", o.sigma);
  o.seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
  o.stream = r.integer("stream", 0, 0, std::uint64_t(1) << 53);
  r.rejectUnknown();
  return o;
}

}  // namespace binding
