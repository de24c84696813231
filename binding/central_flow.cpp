// centralFlow(problem, weights, options, onProgress?) -> { promise, cancel }: the central flow of
// gradient descent (src/central_flow.hpp) off the event loop. The options are the gradient flow's
// (read by binding/flow.cpp's parser) plus learningRate, edgeRelaxation, maxEdge, eigenTolerance.
// Only converts and runs the job.
#include "central_flow.hpp"
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "problem_handle.hpp"

namespace binding {

dln::FlowOptions ParseFlowOptionsFor(const Reader& r);  // binding/flow.cpp

namespace {

using dln::ErrorCode;
using dln::fail;

dln::CentralFlowOptions ParseCentralFlowOptions(const Reader& r) {
  dln::CentralFlowOptions o;
  if (!r.has("learningRate"))
    fail(ErrorCode::Type, r.path("learningRate"),
         "is required with dynamics 'central' (a number > 0: the flow holds the sharpness at 2 / learningRate)");
  o.learningRate = r.number("learningRate");
  o.edgeRelaxation = r.number("edgeRelaxation", o.edgeRelaxation);
  o.maxEdge = static_cast<std::size_t>(r.integer("maxEdge", o.maxEdge, 1, 4));
  o.eigenTolerance = r.number("eigenTolerance", o.eigenTolerance);
  if (r.has("dynamics") && r.string("dynamics") != "central")
    fail(ErrorCode::Value, r.path("dynamics"), "must be 'central' here");
  o.flow = ParseFlowOptionsFor(r);
  return o;
}

class CentralFlowJob final : public Job {
 public:
  CentralFlowJob(std::shared_ptr<const dln::Problem> problem, std::vector<double> theta0,
                 dln::CentralFlowOptions options)
      : problem_(std::move(problem)), theta0_(std::move(theta0)), options_(std::move(options)),
        held_(dln::doubleBytes(dln::checkedMul(theta0_.size(), 2, "weights"), "weights"), "weights") {}

  void Execute(dln::RunControl& control) override {
    try {
      UnderOptions([&] { result_ = dln::centralFlow(*problem_, theta0_, options_, control); });
    } catch (...) {
      Release();
      throw;
    }
  }

  Napi::Value Result(Napi::Env env) override {
    dln::CentralFlowResult& r = result_;
    auto o = Napi::Object::New(env);
    o.Set("status", dln::runStatusName(r.status));
    o.Set("message", r.message);
    o.Set("t", Napi::Number::New(env, r.time));
    o.Set("weights", ToFloat64Array(env, r.weights));
    o.Set("trace", MoveTraceToJs(env, r.trace, r.memory));
    auto num = [&](double v) { return Napi::Number::New(env, v); };
    auto stats = Napi::Object::New(env);
    stats.Set("nfev", num(static_cast<double>(r.nfev)));
    stats.Set("accepted", num(static_cast<double>(r.accepted)));
    stats.Set("rejected", num(static_cast<double>(r.rejected)));
    stats.Set("extraEvaluations", num(static_cast<double>(r.extraEvaluations)));
    stats.Set("lastStepSize", num(r.lastStepSize));
    stats.Set("edgeEvaluations", num(static_cast<double>(r.edgeEvaluations)));
    stats.Set("cachedEvaluations", num(static_cast<double>(r.cachedEvaluations)));
    stats.Set("hvps", num(static_cast<double>(r.lanczosProducts)));
    stats.Set("contractions", num(static_cast<double>(r.contractions)));
    o.Set("stats", stats);
    auto checks = Napi::Object::New(env);
    checks.Set("maxKktResidual", num(r.maxKktResidual));
    checks.Set("minSigmaEigen", num(r.minSigmaEigen));
    checks.Set("maxComplementarity", num(r.maxComplementarity));
    checks.Set("maxEdgeDeviation", num(r.maxEdgeDeviation));
    o.Set("edgeChecks", checks);
    o.Set("edgeCount", num(static_cast<double>(r.edgeCount)));
    auto transitions = Napi::Array::New(env, r.transitions.size());
    for (std::size_t i = 0; i < r.transitions.size(); ++i) {
      auto t = Napi::Object::New(env);
      t.Set("t", num(r.transitions[i].time));
      t.Set("from", num(static_cast<double>(r.transitions[i].from)));
      t.Set("to", num(static_cast<double>(r.transitions[i].to)));
      transitions.Set(static_cast<uint32_t>(i), t);
    }
    o.Set("transitions", transitions);
    o.Set("balancednessDrift", NumberOrNull(env, r.balancednessDrift));
    o.Set("finalLoss", NumberOrNull(env, r.finalLoss));
    o.Set("finalGradNorm", NumberOrNull(env, r.finalGradNorm));
    auto events = Napi::Array::New(env, r.events.size());
    for (std::size_t i = 0; i < r.events.size(); ++i) {
      const auto& hit = r.events[i];
      const auto& spec = options_.flow.events[hit.event];
      auto e = Napi::Object::New(env);
      e.Set("index", num(static_cast<double>(spec.group)));
      e.Set("name", spec.name);
      e.Set("quantity", spec.quantity);
      e.Set("direction", spec.above ? "above" : "below");
      e.Set("threshold", num(spec.threshold));
      e.Set("terminal", Napi::Boolean::New(env, spec.terminal));
      e.Set("t", num(hit.time));
      e.Set("step", num(static_cast<double>(hit.step)));
      events.Set(static_cast<uint32_t>(i), e);
    }
    o.Set("events", events);
    Release();
    return o;
  }

 private:
  void Release() {
    Free(theta0_);
    Free(result_.weights);
    result_.trace = dln::Trace();
    result_.memory.release();
    held_.release();
  }
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta0_;
  dln::CentralFlowOptions options_;
  dln::MemoryReservation held_;
  dln::CentralFlowResult result_;
};

Napi::Value CentralFlow(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    dln::CentralFlowOptions options = ParseCentralFlowOptions(Reader(info[2], "options"));
    UnderPath("options", [&] { dln::validate(options, *problem); });
    return StartJob(info.Env(), std::make_shared<CentralFlowJob>(problem, std::move(theta), std::move(options)),
                    info[3]);
  });
}

}  // namespace

void RegisterCentralFlow(Napi::Env env, Napi::Object exports) {
  exports.Set("centralFlow", Napi::Function::New(env, CentralFlow, "centralFlow"));
}

}  // namespace binding
