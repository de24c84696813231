// train(problem, weights, options, onProgress?) -> { promise, cancel }: gradient descent off the
// event loop.
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "driver_job.hpp"
#include "gd.hpp"
#include "gd_result.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

Napi::Value Train(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    dln::GdOptions options = ParseGdOptions(Reader(info[2], "options"));
    // Names of recorded quantities are checked now, so a typo fails before any work is queued.
    UnderPath("options", [&] { dln::validate(options, *problem); });
    using TrainJob = DriverJob<dln::GdOptions, dln::GdResult>;
    auto job = std::make_shared<TrainJob>(
        problem, std::move(theta), std::move(options), dln::gradientDescent,
        [](Napi::Env env, dln::GdResult& r, const dln::GdOptions&) { return GdResultToJs(env, r); });
    return StartJob(info.Env(), std::move(job), info[3]);
  });
}

}  // namespace

Napi::Object GdResultToJs(Napi::Env env, dln::GdResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("status", dln::runStatusName(r.status));
  o.Set("message", r.message);
  o.Set("steps", Napi::Number::New(env, static_cast<double>(r.steps)));
  o.Set("divergedAt", r.divergedAt >= 0 ? Napi::Number::New(env, static_cast<double>(r.divergedAt)) : env.Null());
  o.Set("finalLoss", NumberOrNull(env, r.finalLoss));
  o.Set("finalGradNorm", NumberOrNull(env, r.finalGradNorm));
  o.Set("weights", ToFloat64Array(env, r.weights));
  o.Set("trace", MoveTraceToJs(env, r.trace, r.memory));
  return o;
}

void RegisterTrain(Napi::Env env, Napi::Object exports) {
  exports.Set("train", Napi::Function::New(env, Train, "train"));
}

}  // namespace binding
