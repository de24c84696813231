// The Hessian's spectrum at a point: hessianVectorProduct (sync, one product), sharpness (a Job
// running the core's dispatch, spectrum.hpp) and denseHessian (a Job). Conversion only.
#include <cmath>

#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "errors.hpp"
#include "evaluator.hpp"
#include "hessian.hpp"
#include "memory.hpp"
#include "problem_handle.hpp"
#include "spectrum.hpp"

namespace binding {

namespace {

class SharpnessJob final : public Job {
 public:
  SharpnessJob(std::shared_ptr<const dln::Problem> p, std::vector<double> theta, dln::SharpnessOptions o, bool smallest,
               bool vectors, std::vector<double> start)
      : problem_(std::move(p)), theta_(std::move(theta)), o_(o), smallest_(smallest), vectors_(vectors),
        start_(std::move(start)),
        // The weights and start vector copied from JS, and the Ritz vectors (native and JS copies);
        // the eigensolve reserves its own basis or matrices.
        held_(dln::doubleBytes(
                  dln::checkedAdd(theta_.size() + start_.size(),
                                  vectors_ ? dln::checkedMul(o_.k, 2 * theta_.size(), "options.k") : 0, "options.k"),
                  "weights"),
              "weights") {}

  void Execute(dln::RunControl& control) override {
    dln::Evaluator ev(*problem_);
    ev.evaluate(theta_.data());
    ev.completeGradient();
    dln::SpectrumRequest request;
    request.smallest = smallest_;
    request.vectors = vectors_;
    request.start = start_.empty() ? nullptr : start_.data();
    request.cancel = control.cancelFlag();
    try {
      r_ = dln::hessianSpectrum(ev, o_,
                                request);  // options were checked up front; what fails here is the point ("weights")
    } catch (...) {
      Release();
      throw;
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
    if (o_.method == M::Power) o.Set("lastNorm", Napi::Number::New(env, r_.powerLast));
    if (vectors_ && !r_.vectors.empty()) o.Set("vectors", ToFloat64Array(env, r_.vectors));
    Release();
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta_;
  dln::SharpnessOptions o_;
  bool smallest_, vectors_;
  std::vector<double> start_;
  dln::MemoryReservation held_;
  dln::Spectrum r_;

  void Release() {
    Free(theta_);
    Free(start_);
    Free(r_.vectors);
    held_.release();
  }
};

class DenseJob final : public Job {
 public:
  // Holds H, its symmetrized copy and the JS copy of H (3 P^2 doubles), reserved up front.
  DenseJob(std::shared_ptr<const dln::Problem> p, std::vector<double> theta, dln::MemoryReservation held)
      : problem_(std::move(p)), theta_(std::move(theta)), held_(std::move(held)) {}
  void Execute(dln::RunControl& control) override {
    dln::Evaluator ev(*problem_);
    ev.evaluate(theta_.data());
    ev.completeGradient();
    const dln::CancelFlag cancel = control.cancelFlag();
    try {
      H_ = dln::denseHessian(ev, cancel);
      const std::size_t P = theta_.size();
      asym_ = dln::asymmetry(P, H_.data(), cancel);
      values_.resize(P);
      std::vector<double> symmetric;
      symmetric.reserve(H_.size());
      for (std::size_t i = 0; i < P; ++i) {  // row by row: copying P^2 fresh doubles takes long
        cancel.check();
        symmetric.insert(symmetric.end(), H_.begin() + static_cast<std::ptrdiff_t>(i * P),
                         H_.begin() + static_cast<std::ptrdiff_t>((i + 1) * P));
      }
      dln::symmetricSpectrum(P, symmetric, values_.data(), nullptr, cancel);
    } catch (...) {
      Release();
      throw;
    }
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("status", "completed");
    o.Set("hessian", ToFloat64Array(env, H_));
    o.Set("eigenvalues", ToFloat64Array(env, values_));
    o.Set("asymmetry", Napi::Number::New(env, asym_));
    Release();
    return o;
  }

 private:
  std::shared_ptr<const dln::Problem> problem_;
  std::vector<double> theta_, H_, values_;
  dln::MemoryReservation held_;
  double asym_ = 0.0;

  void Release() {
    Free(theta_);
    Free(H_);
    Free(values_);
    held_.release();
  }
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
    UnderPath("options", [&] { dln::validate(o, P); });
    const bool smallest = r.boolean("smallest", false);
    const bool vectors = r.boolean("vectors", false);
    if (o.method == dln::SharpnessOptions::Method::Power) {
      // Power iteration gives one number, the reference code's spectral-radius estimate.
      if (smallest) dln::fail(dln::ErrorCode::Value, "options.smallest", "needs the lanczos or dense method");
      if (vectors) dln::fail(dln::ErrorCode::Value, "options.vectors", "needs the lanczos or dense method");
    }
    std::vector<double> start;
    if (r.has("start")) start = r.doubles("start", P, "[" + std::to_string(P) + "]");
    r.rejectUnknown();
    return StartJob(info.Env(),
                    std::make_shared<SharpnessJob>(problem, std::move(theta), o, smallest, vectors, std::move(start)),
                    info[3]);
  });
}

Napi::Value DenseHessian(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto problem = UnwrapProblem(info[0], "problem");
    std::vector<double> theta = ParseWeights(info[1], *problem, "weights");
    const std::size_t P = problem->spec().paramCount();
    const std::size_t count =
        dln::checkedAdd(dln::checkedMul(dln::checkedMul(P, P, "weights"), 3, "weights"), P, "weights");
    dln::MemoryReservation held(dln::doubleBytes(count, "weights"), "weights");  // H, its symmetric copy, the JS array
    return StartJob(info.Env(), std::make_shared<DenseJob>(problem, std::move(theta), std::move(held)), info[2]);
  });
}

}  // namespace

void RegisterSpectrum(Napi::Env env, Napi::Object exports) {
  exports.Set("hessianVectorProduct", Napi::Function::New(env, HessianVectorProduct, "hessianVectorProduct"));
  exports.Set("sharpness", Napi::Function::New(env, Sharpness, "sharpness"));
  exports.Set("denseHessian", Napi::Function::New(env, DenseHessian, "denseHessian"));
}

}  // namespace binding
