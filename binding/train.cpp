// train(problem, weights, options, onProgress?) -> { promise, cancel }: gradient descent off the
// event loop.
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "gd.hpp"
#include "gd_result.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

class TrainJob final : public Job {
 public:
  TrainJob(std::shared_ptr<const dln::Problem> problem, std::vector<double> theta0, dln::GdOptions options)
      : problem_(std::move(problem)), theta0_(std::move(theta0)), options_(std::move(options)),
        // The weights copied from JS, and the JS copy of the final weights; the run reserves the rest.
        held_(dln::doubleBytes(dln::checkedMul(theta0_.size(), 2, "weights"), "weights"), "weights") {}

  void Execute(dln::RunControl& control) override {
    // An option that fails during the run (the trace outgrowing the memory limit: recordEvery)
    // is named under "options", as when it fails up front.
    try {
      UnderOptions([&] { result_ = dln::gradientDescent(*problem_, theta0_, options_, control); });
    } catch (...) {
      Release();
      throw;
    }
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = GdResultToJs(env, result_);
    Release();
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta0_;
  dln::GdOptions options_;
  void Release() {
    Free(theta0_);
    Free(result_.weights);
    result_.trace = dln::Trace();
    result_.memory.release();
    held_.release();
  }

  dln::MemoryReservation held_;
  dln::GdResult result_;
};

Napi::Value Train(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    dln::GdOptions options = ParseGdOptions(Reader(info[2], "options"));
    // Names of recorded quantities are checked now, so a typo fails before any work is queued.
    UnderPath("options", [&] { dln::validate(options, *problem); });
    return StartJob(info.Env(), std::make_shared<TrainJob>(problem, std::move(theta), std::move(options)), info[3]);
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
