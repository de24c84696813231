// One driver run from one point as a Job: train() (src/gd.hpp), flow() (src/flow.hpp) and the
// central flow (src/central_flow.hpp) each copy the weights in, run the core's driver off the event
// loop and hand its result (weights, trace and the trace's memory reservation) to a converter.
// The job holds the weights copied from JS and the JS copy of the final weights against the memory
// limit (the run reserves the rest), and gives every buffer back when the result has been handed
// to JS or when the run fails, not whenever the last reference to the job goes.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "jobs.hpp"
#include "memory.hpp"
#include "problem.hpp"

namespace binding {

template <class Options, class RunResult>
class DriverJob final : public Job {
 public:
  using Run = RunResult (*)(const dln::Problem&, const std::vector<double>&, const Options&, dln::RunControl&);
  // The result as JS sees it; the options name the events a hit refers to.
  using Convert = Napi::Object (*)(Napi::Env, RunResult&, const Options&);

  DriverJob(std::shared_ptr<const dln::Problem> problem, std::vector<double> theta0, Options options, Run run,
            Convert convert)
      : problem_(std::move(problem)), theta0_(std::move(theta0)), options_(std::move(options)), run_(run),
        convert_(convert),
        held_(dln::doubleBytes(dln::checkedMul(theta0_.size(), 2, "weights"), "weights"), "weights") {}

  void Execute(dln::RunControl& control) override {
    // An option that fails during the run (the trace outgrowing the memory limit: recordEvery)
    // is named under "options", as when it fails up front.
    try {
      UnderOptions([&] { result_ = run_(*problem_, theta0_, options_, control); });
    } catch (...) {
      Release();
      throw;
    }
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = convert_(env, result_, options_);
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
  Options options_;
  Run run_;
  Convert convert_;
  dln::MemoryReservation held_;
  RunResult result_;
};

}  // namespace binding
