// measureSync(problem, weights, quantities, options) -> trace columns (one row), and
// measure(...) -> { promise, cancel }: the recordable quantities at one point (src/measure.hpp),
// in the caller's thread for cheap quantities or as a Job for eigensolves on big problems.
#include "measure.hpp"
#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

struct MeasureRequest {
  std::shared_ptr<const dln::Problem> problem;
  std::vector<double> theta;
  std::vector<std::string> quantities;
  dln::ProbeOptions options;
};

// Everything is checked before any work: names, probe options and the weights' length.
MeasureRequest ParseMeasure(const Napi::CallbackInfo& info) {
  MeasureRequest m;
  m.problem = UnwrapProblem(info[0], "problem");
  m.theta = ParseWeights(info[1], *m.problem, "weights");
  m.quantities = ArgStrings(info[2], "quantities");
  if (!info[3].IsUndefined()) m.options = ParseProbeOptions(Reader(info[3], "options"));
  try {
    dln::validateQuantities(*m.problem, m.quantities, m.options);
  } catch (const dln::Error& e) {
    if (e.field() == "quantities") throw;
    throw e.under("options");
  }
  return m;
}

class MeasureJob final : public Job {
 public:
  explicit MeasureJob(MeasureRequest request)
      : request_(std::move(request)), held_(dln::doubleBytes(request_.theta.size(), "weights"), "weights") {}
  void Execute(dln::RunControl& control) override {
    try {
      trace_ =
          dln::measure(*request_.problem, request_.theta, request_.quantities, request_.options, control.cancelFlag());
    } catch (...) {
      Release();
      throw;
    }
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("status", "completed");
    o.Set("trace", TraceToJs(env, trace_));
    Release();
    return o;
  }

 private:
  MeasureRequest request_;
  dln::MemoryReservation held_;  // the weights copied from JS (the probes reserve their own work)
  dln::Trace trace_;

  void Release() {
    Free(request_.theta);
    trace_ = dln::Trace();
    held_.release();
  }
};

Napi::Value MeasureSync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    MeasureRequest m = ParseMeasure(info);
    return TraceToJs(info.Env(), dln::measure(*m.problem, m.theta, m.quantities, m.options));
  });
}

Napi::Value Measure(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    return StartJob(info.Env(), std::make_shared<MeasureJob>(ParseMeasure(info)), info[4]);
  });
}

}  // namespace

void RegisterMeasure(Napi::Env env, Napi::Object exports) {
  exports.Set("measureSync", Napi::Function::New(env, MeasureSync, "measureSync"));
  exports.Set("measure", Napi::Function::New(env, Measure, "measure"));
}

}  // namespace binding
