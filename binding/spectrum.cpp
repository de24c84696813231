// The Hessian's spectrum at a point: hessianVectorProduct (sync, one product), sharpness (a Job:
// Lanczos, power iteration or dense eigen-decomposition) and denseHessian (a Job).
#include <cmath>

#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "errors.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "lanczos.hpp"
#include "limits.hpp"
#include "linalg.hpp"
#include "problem_handle.hpp"

namespace binding {

namespace {

class SharpnessJob final : public Job {
 public:
  SharpnessJob(std::shared_ptr<const dln::Problem> p, std::vector<double> theta, dln::SharpnessOptions o, bool smallest,
               bool vectors, std::vector<double> start)
      : problem_(std::move(p)), theta_(std::move(theta)), o_(o), smallest_(smallest), vectors_(vectors), start_(std::move(start)) {}

  void Execute(dln::RunControl& control) override {
    using M = dln::SharpnessOptions::Method;
    dln::Evaluator ev(*problem_);
    ev.evaluate(theta_.data());
    ev.completeGradient();
    dln::HessianOperator H(ev);
    const std::size_t P = H.dimension();
    if (o_.method == M::Lanczos) {
      dln::LanczosOptions lo;
      lo.k = o_.k;
      lo.tol = o_.tol;
      lo.maxIterations = o_.maxIterations;
      lo.smallest = smallest_;
      lo.seed = o_.seed;
      lo.start = start_.empty() ? nullptr : start_.data();
      lo.wantVectors = true;
      r_ = dln::lanczos(H, lo);  // options were checked up front; what fails here is the point ("weights")
    } else if (o_.method == M::Power) {
      power_ = dln::powerIteration(H, o_.powerIterations, o_.seed);
      r_.values = {power_.estimate};
      r_.products = power_.products;
      r_.iterations = power_.products;
      r_.converged = true;
    } else {
      if (o_.k > P) dln::fail(dln::ErrorCode::Value, "options.k", "must be <= the number of parameters");
      std::vector<double> dense = dln::denseHessian(ev);
      if (control.cancelled()) throw dln::Error(dln::ErrorCode::Cancelled, "", "cancelled");
      std::vector<double> values(P), vecs(vectors_ ? P * P : 0);
      dln::symmetricSpectrum(P, dense, values.data(), vectors_ ? vecs.data() : nullptr);
      r_.values.resize(o_.k);
      r_.residuals.assign(o_.k, 0.0);
      if (vectors_) r_.vectors.resize(o_.k * P);
      for (std::size_t i = 0; i < o_.k; ++i) {
        r_.values[i] = values[P - 1 - i];
        if (vectors_)
          for (std::size_t t = 0; t < P; ++t) r_.vectors[i * P + t] = vecs[t * P + (P - 1 - i)];
      }
      r_.smallest = values[0];
      r_.products = P;
      r_.iterations = P;
      r_.converged = true;
    }
  }

  Napi::Value Result(Napi::Env env) override {
    using M = dln::SharpnessOptions::Method;
    auto o = Napi::Object::New(env);
    o.Set("status", "completed");
    o.Set("method", o_.method == M::Lanczos ? "lanczos" : o_.method == M::Power ? "power" : "dense");
    o.Set("eigenvalues", ToFloat64Array(env, r_.values));
    o.Set("residuals", ToFloat64Array(env, r_.residuals));
    o.Set("iterations", Napi::Number::New(env, static_cast<double>(r_.iterations)));
    o.Set("hvps", Napi::Number::New(env, static_cast<double>(r_.products)));
    o.Set("restarts", Napi::Number::New(env, static_cast<double>(r_.restarts)));
    o.Set("converged", Napi::Boolean::New(env, r_.converged));
    if (o_.method != M::Power && (smallest_ || o_.method == M::Dense)) {
      o.Set("lambdaMin", Napi::Number::New(env, r_.smallest));
      o.Set("lambdaMinResidual", Napi::Number::New(env, r_.smallestResidual));
      o.Set("spectralRadius", Napi::Number::New(env, std::max(std::fabs(r_.values[0]), std::fabs(r_.smallest))));
    }
    if (o_.method == M::Power) o.Set("lastNorm", Napi::Number::New(env, power_.last));
    if (vectors_ && !r_.vectors.empty()) o.Set("vectors", ToFloat64Array(env, r_.vectors));
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta_;
  dln::SharpnessOptions o_;
  bool smallest_, vectors_;
  std::vector<double> start_;
  dln::LanczosResult r_;
  dln::PowerResult power_;
};

class DenseJob final : public Job {
 public:
  DenseJob(std::shared_ptr<const dln::Problem> p, std::vector<double> theta) : problem_(std::move(p)), theta_(std::move(theta)) {}
  void Execute(dln::RunControl&) override {
    dln::Evaluator ev(*problem_);
    ev.evaluate(theta_.data());
    ev.completeGradient();
    H_ = dln::denseHessian(ev);
    const std::size_t P = theta_.size();
    asym_ = dln::asymmetry(P, H_.data());
    values_.resize(P);
    std::vector<double> symmetric(H_);
    dln::symmetricSpectrum(P, symmetric, values_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("status", "completed");
    o.Set("hessian", ToFloat64Array(env, H_));
    o.Set("eigenvalues", ToFloat64Array(env, values_));
    o.Set("asymmetry", Napi::Number::New(env, asym_));
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta_, H_, values_;
  double asym_ = 0.0;
};

Napi::Value HessianVectorProduct(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    const std::size_t P = problem->spec().paramCount();
    std::vector<double> v = ArgDoubles(info[2], "v", P, "[" + std::to_string(P) + "] (same layout as the weights)");
    dln::Evaluator ev(*problem);
    ev.evaluate(theta.data());
    ev.completeGradient();
    dln::HessianOperator H(ev);
    auto out = Napi::Float64Array::New(info.Env(), P);
    H.apply(v.data(), out.Data());
    return out;
  });
}

Napi::Value Sharpness(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    Reader r(info[2], "options");
    dln::SharpnessOptions o = ParseSharpnessOptions(r);
    const std::size_t P = problem->spec().paramCount();
    if (o.k > P) dln::fail(dln::ErrorCode::Value, "options.k", "must be <= the number of parameters (" + std::to_string(P) + ")");
    if (o.method == dln::SharpnessOptions::Method::Dense) dln::requireDoubles(dln::checkedMul(P, P, "options.method"), "options.method");
    const bool smallest = r.boolean("smallest", false);
    const bool vectors = r.boolean("vectors", false);
    if (o.method == dln::SharpnessOptions::Method::Power) {
      // Power iteration gives one number, the reference code's spectral-radius estimate.
      if (o.k > 1) dln::fail(dln::ErrorCode::Value, "options.k", "power iteration gives one estimate (k = 1); use lanczos or dense for the top k");
      if (smallest) dln::fail(dln::ErrorCode::Value, "options.smallest", "needs the lanczos or dense method");
      if (vectors) dln::fail(dln::ErrorCode::Value, "options.vectors", "needs the lanczos or dense method");
    }
    if (o.method == dln::SharpnessOptions::Method::Lanczos && o.maxIterations != 0 && o.maxIterations < o.k) {
      dln::fail(dln::ErrorCode::Value, "options.maxIterations", "must be >= k (" + std::to_string(o.k) + ")");
    }
    std::vector<double> start;
    if (r.has("start")) start = r.doubles("start", P, "[" + std::to_string(P) + "]");
    r.rejectUnknown();
    return StartJob(info.Env(), std::make_shared<SharpnessJob>(problem, std::move(theta), o, smallest, vectors, std::move(start)), info[3]);
  });
}

Napi::Value DenseHessian(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    const std::size_t P = problem->spec().paramCount();
    dln::requireDoubles(dln::checkedMul(dln::checkedMul(P, P, "weights"), 3, "weights"), "weights");  // H, its symmetric copy, the JS array
    return StartJob(info.Env(), std::make_shared<DenseJob>(problem, std::move(theta)), info[2]);
  });
}

}  // namespace

void RegisterSpectrum(Napi::Env env, Napi::Object exports) {
  exports.Set("hessianVectorProduct", Napi::Function::New(env, HessianVectorProduct, "hessianVectorProduct"));
  exports.Set("sharpness", Napi::Function::New(env, Sharpness, "sharpness"));
  exports.Set("denseHessian", Napi::Function::New(env, DenseHessian, "denseHessian"));
}

}  // namespace binding
