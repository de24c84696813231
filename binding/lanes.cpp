// trainLanes(problem, runs: [{ weights, options }], onProgress?) -> { promise, cancel }: gradient
// descent runs of one problem in SIMD lanes (src/lanes/gd_lanes.hpp), off the event loop; the
// promise resolves to one train() result per run, in order. Runs the lanes do not support run
// one by one in the same job. Only conversion here.
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "gd_result.hpp"
#include "lanes/gd_lanes.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

class TrainLanesJob final : public Job {
 public:
  TrainLanesJob(std::shared_ptr<const dln::Problem> problem, std::vector<dln::lanes::LaneRun> runs, std::size_t bytes)
      : problem_(std::move(problem)), runs_(std::move(runs)), held_(bytes, "runs") {}

  void Execute(dln::RunControl& control) override {
    try {
      UnderOptions([&] { results_ = dln::lanes::gradientDescentLanes(*problem_, runs_, control); });
    } catch (...) {
      Release();
      throw;
    }
  }

  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, results_.size());
    for (std::size_t i = 0; i < results_.size(); ++i) out.Set(static_cast<uint32_t>(i), GdResultToJs(env, results_[i]));
    Release();
    return out;
  }

 private:
  void Release() {
    std::vector<dln::lanes::LaneRun>().swap(runs_);
    std::vector<dln::GdResult>().swap(results_);
    held_.release();
  }
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<dln::lanes::LaneRun> runs_;
  dln::MemoryReservation held_;
  std::vector<dln::GdResult> results_;
};

Napi::Value TrainLanes(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    if (!info[1].IsArray()) dln::fail(dln::ErrorCode::Type, "runs", "expected an array of { weights, options }");
    auto array = info[1].As<Napi::Array>();
    std::vector<dln::lanes::LaneRun> runs(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      const std::string path = "runs[" + std::to_string(i) + "]";
      if (!array.Get(i).IsObject()) dln::fail(dln::ErrorCode::Type, path, "expected { weights, options }");
      auto run = array.Get(i).As<Napi::Object>();
      runs[i].theta0 = ParseWeights(run.Get("weights"), *problem, path + ".weights");
      runs[i].options = ParseGdOptions(Reader(run.Get("options"), path + ".options"));
      UnderPath(path + ".options", [&] { dln::validate(runs[i].options, *problem); });
    }
    // The weights copied from JS and their JS copies out.
    const std::size_t bytes =
        dln::doubleBytes(dln::checkedMul(problem->spec().paramCount(), 2 * runs.size(), "runs"), "runs");
    return StartJob(info.Env(), std::make_shared<TrainLanesJob>(problem, std::move(runs), bytes), info[2]);
  });
}

// laneIneligibility(problem, options) -> "" or why the run cannot go in lanes.
Napi::Value LaneIneligibility(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    dln::GdOptions options = ParseGdOptions(Reader(info[1], "options"));
    return Napi::String::New(info.Env(), dln::lanes::laneIneligibility(*problem, options));
  });
}

}  // namespace

void RegisterLanes(Napi::Env env, Napi::Object exports) {
  exports.Set("trainLanes", Napi::Function::New(env, TrainLanes, "trainLanes"));
  exports.Set("laneIneligibility", Napi::Function::New(env, LaneIneligibility, "laneIneligibility"));
}

}  // namespace binding
