// The continuous drivers' results as JS objects (binding/flow_result.hpp). Conversion only.
#include "flow_result.hpp"

#include "convert.hpp"

namespace binding {

namespace {

Napi::Number Count(Napi::Env env, std::uint64_t n) { return Napi::Number::New(env, static_cast<double>(n)); }

// Every continuous result, in its field order: the driver adds its counters to `stats` and its own
// fields after it, through the two callbacks.
template <class AddStats, class AddFields>
Napi::Object ContinuousResultToJs(Napi::Env env, dln::FlowResult& r, const std::vector<dln::FlowEventSpec>& specs,
                                  AddStats addStats, AddFields addFields) {
  auto o = Napi::Object::New(env);
  o.Set("status", dln::runStatusName(r.status));
  o.Set("message", r.message);
  o.Set("t", Napi::Number::New(env, r.time));
  o.Set("weights", ToFloat64Array(env, r.weights));
  o.Set("trace", MoveTraceToJs(env, r.trace, r.memory));
  auto stats = Napi::Object::New(env);
  stats.Set("nfev", Count(env, r.nfev));
  stats.Set("accepted", Count(env, r.accepted));
  stats.Set("rejected", Count(env, r.rejected));
  stats.Set("extraEvaluations", Count(env, r.extraEvaluations));
  stats.Set("lastStepSize", Napi::Number::New(env, r.lastStepSize));
  addStats(stats);
  o.Set("stats", stats);
  addFields(o);
  o.Set("balancednessDrift", NumberOrNull(env, r.balancednessDrift));
  o.Set("finalLoss", NumberOrNull(env, r.finalLoss));
  o.Set("finalGradNorm", NumberOrNull(env, r.finalGradNorm));
  auto events = Napi::Array::New(env, r.events.size());
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const auto& hit = r.events[i];
    const auto& spec = specs[hit.event];
    auto e = Napi::Object::New(env);
    e.Set("index", Count(env, spec.group));
    e.Set("name", spec.name);
    e.Set("quantity", spec.quantity);
    e.Set("direction", spec.above ? "above" : "below");
    e.Set("threshold", Napi::Number::New(env, spec.threshold));
    e.Set("terminal", Napi::Boolean::New(env, spec.terminal));
    e.Set("t", Napi::Number::New(env, hit.time));
    e.Set("step", Count(env, hit.step));
    events.Set(static_cast<uint32_t>(i), e);
  }
  o.Set("events", events);
  return o;
}

}  // namespace

Napi::Object FlowResultToJs(Napi::Env env, dln::FlowResult& r, const std::vector<dln::FlowEventSpec>& events) {
  auto stats = [&](Napi::Object& s) {
    s.Set("method", dln::flowMethodName(r.method));
    s.Set("hvps", Count(env, r.hvps));
    s.Set("krylovIterations", Count(env, r.krylovIterations));
    s.Set("krylovCuts", Count(env, r.krylovCuts));
    s.Set("maxKrylovBasis", Count(env, r.maxKrylovBasis));
    s.Set("sharpnessEstimates", Count(env, r.sharpnessEstimates));
    s.Set("switches", Count(env, r.switches));
    s.Set("sharpnessEstimate", NumberOrNull(env, r.sharpnessEstimate));
    // What the run cost in gradient evaluations: a Hessian-vector product is two sweeps.
    s.Set("gradientEquivalents", Count(env, r.nfev + 2 * r.hvps));
  };
  return ContinuousResultToJs(env, r, events, stats, [](Napi::Object&) {});
}

Napi::Object CentralFlowResultToJs(Napi::Env env, dln::CentralFlowResult& r,
                                   const std::vector<dln::FlowEventSpec>& events) {
  auto stats = [&](Napi::Object& s) {
    s.Set("edgeEvaluations", Count(env, r.edgeEvaluations));
    s.Set("cachedEvaluations", Count(env, r.cachedEvaluations));
    s.Set("hvps", Count(env, r.lanczosProducts));
    s.Set("contractions", Count(env, r.contractions));
  };
  auto fields = [&](Napi::Object& o) {
    auto checks = Napi::Object::New(env);
    checks.Set("maxKktResidual", Napi::Number::New(env, r.maxKktResidual));
    checks.Set("minSigmaEigen", Napi::Number::New(env, r.minSigmaEigen));
    checks.Set("maxComplementarity", Napi::Number::New(env, r.maxComplementarity));
    checks.Set("maxEdgeDeviation", Napi::Number::New(env, r.maxEdgeDeviation));
    o.Set("edgeChecks", checks);
    o.Set("edgeCount", Count(env, r.edgeCount));
    auto transitions = Napi::Array::New(env, r.transitions.size());
    for (std::size_t i = 0; i < r.transitions.size(); ++i) {
      auto t = Napi::Object::New(env);
      t.Set("t", Napi::Number::New(env, r.transitions[i].time));
      t.Set("from", Count(env, r.transitions[i].from));
      t.Set("to", Count(env, r.transitions[i].to));
      transitions.Set(static_cast<uint32_t>(i), t);
    }
    o.Set("transitions", transitions);
  };
  return ContinuousResultToJs(env, r, events, stats, fields);
}

}  // namespace binding
