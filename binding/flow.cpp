// flow(problem, weights, options, onProgress?) -> { promise, cancel }: gradient flow by RK45,
// exprb43 or auto (src/flow.hpp) off the event loop.
#include <cmath>
#include <limits>

#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "driver_job.hpp"
#include "flow.hpp"
#include "flow_result.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

using dln::ErrorCode;
using dln::fail;

// The named thresholds of an event object, as quantity + direction.
struct NamedThreshold {
  const char* key;
  const char* quantity;
  bool above;
};
constexpr NamedThreshold kNamed[] = {
    {"lossBelow", "loss", false},
    {"excessLossBelow", "excessLoss", false},
    {"gradNormBelow", "gradNorm", false},
    {"sharpnessAbove", "sharpness", true},
};

// One event object: named thresholds and/or { quantity, below | above }, and `terminal`.
void ParseEventObject(const Reader& r, const std::string& relative, std::size_t group,
                      std::vector<dln::FlowEventSpec>& out) {
  // Every key an event may hold, asked first so that a misspelt one is reported as such.
  for (const auto& n : kNamed) r.has(n.key);
  for (const char* key : {"quantity", "below", "above"}) r.has(key);
  const bool terminal = r.boolean("terminal", true);
  r.rejectUnknown();
  const std::size_t before = out.size();
  for (const auto& n : kNamed) {
    if (!r.has(n.key)) continue;
    dln::FlowEventSpec e;
    e.quantity = n.quantity;
    e.threshold = r.extendedNumber(n.key, 0.0);
    e.above = n.above;
    e.terminal = terminal;
    e.name = n.key;
    e.field = relative + "." + n.key;
    e.group = group;
    out.push_back(std::move(e));
  }
  if (r.has("quantity") || r.has("below") || r.has("above")) {
    if (!r.has("quantity"))
      fail(ErrorCode::Type, r.path("quantity"), "is required with below / above (a quantity name)");
    if (r.has("below") == r.has("above"))
      fail(ErrorCode::Value, r.path("quantity"), "give exactly one of below or above");
    dln::FlowEventSpec e;
    e.quantity = r.string("quantity");
    e.above = r.has("above");
    e.threshold = r.extendedNumber(e.above ? "above" : "below", 0.0);
    e.terminal = terminal;
    e.name = e.quantity + (e.above ? " above" : " below");
    e.field = relative + ".quantity";
    e.group = group;
    out.push_back(std::move(e));
  }
  if (out.size() == before) {
    fail(ErrorCode::Value, r.base(),
         "an event needs a condition: lossBelow, excessLossBelow, gradNormBelow, or quantity with below or above");
  }
}

dln::FlowOptions ParseFlowOptions(const Reader& r) {
  dln::FlowOptions o;
  if (!r.has("tEnd")) fail(ErrorCode::Type, r.path("tEnd"), "is required (a number > 0, or Infinity)");
  o.tEnd = r.extendedNumber("tEnd", 0.0);
  o.integrator.rtol = r.number("rtol", o.integrator.rtol);
  o.integrator.atol = r.number("atol", o.integrator.atol);
  if (r.has("firstStep")) {
    o.integrator.firstStep = r.number("firstStep");
    if (!(o.integrator.firstStep > 0)) fail(ErrorCode::Value, r.path("firstStep"), "must be > 0");
  }
  o.integrator.maxStep = r.extendedNumber("maxStep", o.integrator.maxStep);
  const std::string controller = r.string("controller", "I");
  if (controller == "I") {
    o.integrator.controller = dln::StepController::I;
  } else if (controller == "PI") {
    o.integrator.controller = dln::StepController::PI;
  } else {
    fail(ErrorCode::Value, r.path("controller"), "expected 'I' or 'PI', got '" + controller + "'");
  }
  const std::string method = r.string("method", "auto");
  if (method == "rk45") {
    o.method = dln::FlowMethod::Rk45;
  } else if (method == "exprb43") {
    o.method = dln::FlowMethod::Exprb43;
  } else if (method == "auto") {
    o.method = dln::FlowMethod::Auto;
  } else {
    fail(ErrorCode::Value, r.path("method"), "expected 'rk45', 'exprb43' or 'auto', got '" + method + "'");
  }
  o.krylovTolerance = r.number("krylovTolerance", o.krylovTolerance);
  o.maxKrylov = static_cast<std::size_t>(r.integer("maxKrylov", o.maxKrylov, 2, 1000));
  o.maxSteps = r.integer("maxSteps", o.maxSteps, 1, std::uint64_t(1) << 53);
  o.recordEvery = r.integer("recordEvery", 0, 0, std::uint64_t(1) << 53);
  if (r.has("times")) o.times = r.doubles("times", 0, "", true);
  o.record = r.strings("record");
  o.probeOptions = ParseProbeOptions(r);
  o.seed = o.probeOptions.sharpness.seed;  // auto's sharpness estimates start where the probes' do
  if (r.has("lossCeiling")) o.lossCeiling = r.extendedNumber("lossCeiling", 0.0);
  if (r.has("events")) {
    Napi::Value events = r.raw("events");
    if (events.IsArray()) {
      auto array = events.As<Napi::Array>();
      if (array.Length() > 1024) fail(ErrorCode::Shape, r.path("events"), "too many events (at most 1024)");
      for (uint32_t i = 0; i < array.Length(); ++i) {
        const std::string relative = "events[" + std::to_string(i) + "]";
        ParseEventObject(Reader(array.Get(i), r.path(relative.c_str())), relative, i, o.events);
      }
    } else {
      ParseEventObject(r.child("events"), "events", 0, o.events);
    }
  }
  r.rejectUnknown();
  return o;
}

Napi::Value Flow(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    dln::FlowOptions options = ParseFlowOptions(Reader(info[2], "options"));
    // Everything (tolerances, times, quantity and event names) is checked now, so a typo fails
    // before any work is queued.
    UnderPath("options", [&] { dln::validate(options, *problem); });
    using FlowJob = DriverJob<dln::FlowOptions, dln::FlowResult>;
    auto job = std::make_shared<FlowJob>(
        problem, std::move(theta), std::move(options), dln::gradientFlow,
        [](Napi::Env env, dln::FlowResult& r, const dln::FlowOptions& o) { return FlowResultToJs(env, r, o.events); });
    return StartJob(info.Env(), std::move(job), info[3]);
  });
}

}  // namespace

void RegisterFlow(Napi::Env env, Napi::Object exports) { exports.Set("flow", Napi::Function::New(env, Flow, "flow")); }

}  // namespace binding

namespace binding {
// The gradient flow's options, for the central flow (binding/central_flow.cpp), which reads its
// own keys on the same Reader first (so that rejectUnknown accepts them).
dln::FlowOptions ParseFlowOptionsFor(const Reader& r) { return ParseFlowOptions(r); }
}  // namespace binding
