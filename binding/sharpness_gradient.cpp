// Third derivatives at a point: thirdDerivative (sync, one contraction D^3R[u, v, .]) and
// sharpnessGradient (a Job: the top eigenpair(s) by deflated Lanczos or the dense Hessian, then
// D^3R[u_i, u_j, .]; src/sharpness_gradient.hpp). Only converts and runs jobs.
#include <limits>

#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "errors.hpp"
#include "evaluator.hpp"
#include "memory.hpp"
#include "problem_handle.hpp"
#include "sharpness_gradient.hpp"
#include "third_derivative.hpp"

namespace binding {

namespace {

class SharpnessGradientJob final : public Job {
 public:
  SharpnessGradientJob(std::shared_ptr<const dln::Problem> p, std::vector<double> theta,
                       dln::SharpnessGradientOptions o)
      : problem_(std::move(p)), theta_(std::move(theta)), o_(o) {}

  void Execute(dln::RunControl& control) override {
    dln::Evaluator ev(*problem_);
    ev.evaluate(theta_.data());
    ev.completeGradient();
    r_ = dln::sharpnessGradient(ev, o_, &control);
  }

  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    const std::size_t P = theta_.size(), k = r_.clusterSize;
    o.Set("status", "completed");
    o.Set("method", o_.method == dln::SharpnessGradientOptions::Method::Lanczos ? "lanczos" : "dense");
    o.Set("sharpness", Napi::Number::New(env, r_.eigenvalues[0]));
    if (k == 1) o.Set("gradient", ToFloat64Array(env, r_.contractions.data(), P));
    else o.Set("gradient", env.Null());
    o.Set("eigengap", Napi::Number::New(env, r_.eigengap));
    o.Set("nextEigenvalue",
          r_.next == -std::numeric_limits<double>::infinity() ? env.Null() : Napi::Number::New(env, r_.next));
    o.Set("clusterSize", Napi::Number::New(env, static_cast<double>(k)));
    o.Set("eigenvalues", ToFloat64Array(env, r_.eigenvalues));
    o.Set("residuals", ToFloat64Array(env, r_.residuals));
    o.Set("vectors", ToFloat64Array(env, r_.vectors));
    if (o_.cluster) o.Set("contractions", ToFloat64Array(env, r_.contractions));
    o.Set("vectorErrorBound", Napi::Number::New(env, r_.vectorErrorBound));
    o.Set("hvps", Napi::Number::New(env, static_cast<double>(r_.hvps)));
    o.Set("lanczosRuns", Napi::Number::New(env, static_cast<double>(r_.lanczosRuns)));
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta_;
  dln::SharpnessGradientOptions o_;
  dln::SharpnessGradientResult r_;
};

dln::SharpnessGradientOptions ParseSharpnessGradientOptions(const Reader& r) {
  dln::SharpnessGradientOptions o;
  const std::string method = r.string("method", "lanczos");
  if (method == "lanczos") o.method = dln::SharpnessGradientOptions::Method::Lanczos;
  else if (method == "dense") o.method = dln::SharpnessGradientOptions::Method::Dense;
  else dln::fail(dln::ErrorCode::Value, r.path("method"), "expected \"lanczos\" or \"dense\", got \"" + method + "\"");
  o.tol = r.number("tol", o.tol);
  o.maxIterations = r.integer("maxIterations", 0, 0, 1u << 20);
  o.seed = r.integer("seed", 0, 0, std::uint64_t(1) << 53);
  o.eigengapTolerance = r.number("eigengapTolerance", o.eigengapTolerance);
  o.cluster = r.boolean("cluster", false);
  o.maxClusterSize = r.integer("maxClusterSize", o.maxClusterSize, 1, 64);
  dln::validate(o);  // fields named "options.*", as this reader's
  return o;
}

Napi::Value ThirdDerivative(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    const std::size_t P = problem->spec().paramCount();
    const std::string shape = "[" + std::to_string(P) + "] (same layout as the weights)";
    std::vector<double> u = ArgDoubles(info[2], "u", P, shape);
    std::vector<double> v = ArgDoubles(info[3], "v", P, shape);
    dln::Evaluator ev(*problem);
    ev.evaluate(theta.data());
    ev.completeGradient();
    dln::ThirdDerivative T(ev);
    auto out = Napi::Float64Array::New(info.Env(), P);
    T.apply(u.data(), v.data(), out.Data());
    return out;
  });
}

Napi::Value SharpnessGradient(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    Reader r(info[2], "options");
    dln::SharpnessGradientOptions o = ParseSharpnessGradientOptions(r);
    r.rejectUnknown();
    const std::size_t P = problem->spec().paramCount();
    if (o.method == dln::SharpnessGradientOptions::Method::Dense)
      dln::requireDoubles(dln::checkedMul(dln::checkedMul(P, P, "options.method"), 2, "options.method"),
                          "options.method");
    if (o.cluster)
      dln::requireDoubles(dln::checkedMul(o.maxClusterSize * (o.maxClusterSize + 1) / 2, P, "options.maxClusterSize"),
                          "options.maxClusterSize");
    return StartJob(info.Env(), std::make_shared<SharpnessGradientJob>(problem, std::move(theta), o), info[3]);
  });
}

}  // namespace

void RegisterSharpnessGradient(Napi::Env env, Napi::Object exports) {
  exports.Set("thirdDerivative", Napi::Function::New(env, ThirdDerivative, "thirdDerivative"));
  exports.Set("sharpnessGradient", Napi::Function::New(env, SharpnessGradient, "sharpnessGradient"));
}

}  // namespace binding
