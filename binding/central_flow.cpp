// centralFlow(problem, weights, options, onProgress?) -> { promise, cancel }: the central flow of
// gradient descent (src/central_flow.hpp) off the event loop. The options are the gradient flow's
// (read by binding/flow.cpp's parser) plus learningRate, edgeRelaxation, maxEdge, eigenTolerance.
// Only converts and runs the job.
#include "central_flow.hpp"
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "driver_job.hpp"
#include "flow_result.hpp"
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

Napi::Value CentralFlow(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    dln::CentralFlowOptions options = ParseCentralFlowOptions(Reader(info[2], "options"));
    UnderPath("options", [&] { dln::validate(options, *problem); });
    using CentralFlowJob = DriverJob<dln::CentralFlowOptions, dln::CentralFlowResult>;
    auto job = std::make_shared<CentralFlowJob>(
        problem, std::move(theta), std::move(options), dln::centralFlow,
        [](Napi::Env env, dln::CentralFlowResult& r, const dln::CentralFlowOptions& o) {
          return CentralFlowResultToJs(env, r, o.flow.events);
        });
    return StartJob(info.Env(), std::move(job), info[3]);
  });
}

}  // namespace

void RegisterCentralFlow(Napi::Env env, Napi::Object exports) {
  exports.Set("centralFlow", Napi::Function::New(env, CentralFlow, "centralFlow"));
}

}  // namespace binding
