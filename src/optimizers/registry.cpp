// The list of rules and the generic checks of their options.
#include <cmath>
#include <sstream>

#include "error.hpp"
#include "optimizers/optimizer.hpp"

namespace dln {

const OptimizerRule& gdRule();
const OptimizerRule& sgdRule();
const OptimizerRule& labelNoiseRule();
const OptimizerRule& momentumRule();
const OptimizerRule& nesterovRule();
const OptimizerRule& rmspropRule();
const OptimizerRule& adamRule();
const OptimizerRule& samRule();
const OptimizerRule& muonRule();

const std::vector<const OptimizerRule*>& optimizerRules() {
  static const std::vector<const OptimizerRule*> rules = {
      &gdRule(),      &sgdRule(),  &labelNoiseRule(), &momentumRule(), &nesterovRule(),
      &rmspropRule(), &adamRule(), &samRule(),        &muonRule(),
  };
  return rules;
}

const OptimizerRule& optimizerRule(const std::string& kind) {
  std::string known;
  for (const OptimizerRule* r : optimizerRules()) {
    if (kind == r->kind) return *r;
    known += (known.empty() ? "" : ", ") + std::string(r->kind);
  }
  fail(ErrorCode::Value, "optimizer.kind", "unknown optimizer \"" + kind + "\" (expected one of " + known + ")");
}

namespace {

std::string number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

std::string range(const OptimizerField& f) {
  if (f.type == FieldType::Boolean) return "a boolean";
  const std::string what = f.type == FieldType::Integer ? "an integer" : "a number";
  if (std::isinf(f.hi)) return what + (f.loOpen ? " > " : " >= ") + number(f.lo);
  return what + " in " + (f.loOpen ? "(" : "[") + number(f.lo) + ", " + number(f.hi) + (f.hiOpen ? ")" : "]");
}

void checkField(const OptimizerField& f, double x) {
  bool ok = std::isfinite(x);
  if (f.type == FieldType::Boolean) ok = x == 0.0 || x == 1.0;
  if (f.type == FieldType::Integer) ok = ok && x == std::floor(x);
  ok = ok && (f.loOpen ? x > f.lo : x >= f.lo) && (f.hiOpen ? x < f.hi : x <= f.hi);
  if (!ok) fail(ErrorCode::Value, std::string("optimizer.") + f.name, "must be " + range(f) + ", got " + number(x));
}

}  // namespace

void validate(const OptimizerOptions& o) {
  const OptimizerRule& rule = optimizerRule(o.kind);
  for (const auto& [name, value] : o.values) {
    const OptimizerField* field = nullptr;
    std::string names;
    for (const OptimizerField& f : rule.fields) {
      if (name == f.name) field = &f;
      names += (names.empty() ? "" : ", ") + std::string(f.name);
    }
    if (!field) {
      fail(ErrorCode::Value, "optimizer." + name,
           "not an option of optimizer \"" + o.kind + "\" (" +
               (names.empty() ? "it has none" : "its options: " + names) + ")");
    }
    checkField(*field, value);
  }
}

OptimizerSetup optimizerSetup(const OptimizerOptions& o, const Problem& problem, double learningRate,
                              std::uint64_t seed, bool check) {
  validate(o);
  const OptimizerRule& rule = optimizerRule(o.kind);
  OptimizerSetup setup{problem, learningRate, seed, {}};
  for (const OptimizerField& f : rule.fields) {
    const auto it = o.values.find(f.name);
    setup.values[f.name] = it == o.values.end() ? f.fallback : it->second;
  }
  if (check && rule.check) rule.check(setup);
  return setup;
}

std::unique_ptr<Optimizer> makeOptimizer(const OptimizerOptions& o, const Problem& problem, double learningRate,
                                         std::uint64_t seed) {
  return optimizerRule(o.kind).make(optimizerSetup(o, problem, learningRate, seed));
}

OptimizerBuffers::OptimizerBuffers(std::size_t count, std::size_t size, const char* what)
    : memory_(doubleBytes(checkedMul(count, size, what), what), what), buffers_(count, std::vector<double>(size, 0.0)) {
}

}  // namespace dln
