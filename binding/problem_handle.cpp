// NativeProblem: an immutable problem built once from a validated descriptor (data folded into
// Sigma, w*, ...), shared by every call and run that uses it. Sync methods are single gradient
// evaluations; long work goes through train/flow/... which take the handle.
#include "problem_handle.hpp"

#include <cmath>

#include "addon.hpp"
#include "convert.hpp"
#include "convert_problem.hpp"
#include "errors.hpp"
#include "evaluator.hpp"
#include "losses/regression.hpp"
#include "theory.hpp"

namespace binding {

namespace {

const napi_type_tag kProblemTag = {0x8d3c1f6a2b7e4c59ULL, 0xa1f0e7d2c3b4a596ULL};

class NativeProblem : public Napi::ObjectWrap<NativeProblem> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativeProblem",
        {InstanceMethod("info", &NativeProblem::Info), InstanceMethod("evaluate", &NativeProblem::Evaluate),
         InstanceMethod("gradient", &NativeProblem::Gradient), InstanceMethod("theory", &NativeProblem::Theory)});
  }

  explicit NativeProblem(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeProblem>(info) {
    Guard(info.Env(), [&] {
      problem_ = ParseProblem(Reader(info[0], "problem"));
      info.This().As<Napi::Object>().TypeTag(&kProblemTag);
      return info.Env().Undefined();
    });
  }

  const std::shared_ptr<const dln::Problem>& problem() const { return problem_; }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const dln::Problem& p = *problem_;
      auto o = Napi::Object::New(env);
      o.Set("kind", p.loss().kind() == dln::LossKind::Regression ? "regression"
                    : p.loss().kind() == dln::LossKind::Mse      ? "mse"
                                                                 : "completion");
      auto widths = Napi::Array::New(env, p.spec().widths().size());
      for (std::size_t i = 0; i < p.spec().widths().size(); ++i)
        widths.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(p.spec().widths()[i])));
      o.Set("widths", widths);
      o.Set("depth", Napi::Number::New(env, static_cast<double>(p.spec().depth())));
      o.Set("paramCount", Napi::Number::New(env, static_cast<double>(p.spec().paramCount())));
      if (p.spec().hasProjection()) o.Set("projection", ToFloat64Array(env, p.spec().projection()));
      o.Set("l2", Napi::Number::New(env, p.l2()));
      o.Set("hasTestSet", Napi::Boolean::New(env, p.loss().hasTestSet()));
      o.Set("lossMinimum", NumberOrNull(env, p.lossMinimum()));
      o.Set("sweepSide", p.outputSide() ? "output" : "input");
      o.Set("sweepColumns", Napi::Number::New(env, static_cast<double>(p.columns())));
      return o;
    });
  }

  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const dln::Problem& p = *problem_;
      std::vector<double> theta = ParseWeights(info[0], p, "weights");
      dln::Evaluator ev(p);
      const double loss = ev.evaluate(theta.data());
      ev.completeGradient();
      auto o = Napi::Object::New(env);
      o.Set("loss", NumberOrNull(env, loss));
      o.Set("dataLoss", NumberOrNull(env, ev.dataLoss()));
      o.Set("penalty", Napi::Number::New(env, ev.penalty()));
      o.Set("gradNorm", NumberOrNull(env, std::sqrt(ev.gradNormSquared())));
      o.Set("testLoss", NumberOrNull(env, p.loss().testValue(ev.endToEnd())));
      o.Set("excessLoss", NumberOrNull(env, ev.dataLoss() - p.lossMinimum()));
      if (p.loss().kind() == dln::LossKind::Regression) {
        const auto& reg = static_cast<const dln::RegressionLoss&>(p.loss());
        o.Set("distance", NumberOrNull(env, reg.squaredDistance(ev.endToEnd())));
      } else {
        o.Set("distance", env.Null());
      }
      o.Set("endToEnd", ToFloat64Array(env, ev.endToEnd(), p.endToEndSize()));
      o.Set("headGradient", ToFloat64Array(env, ev.headGradient(), p.endToEndSize()));
      return o;
    });
  }

  Napi::Value Gradient(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const dln::Problem& p = *problem_;
      std::vector<double> theta = ParseWeights(info[0], p, "weights");
      dln::Evaluator ev(p);
      const double loss = ev.evaluate(theta.data());
      ev.completeGradient();
      auto grad = Napi::Float64Array::New(env, p.spec().paramCount());
      ev.gradient(grad.Data());
      auto o = Napi::Object::New(env);
      o.Set("loss", NumberOrNull(env, loss));
      o.Set("gradient", grad);
      return o;
    });
  }

  Napi::Value Theory(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const dln::RegressionTheory t = dln::regressionTheory(*problem_);
      auto o = Napi::Object::New(env);
      auto num = [&](const char* k, double v) { o.Set(k, std::isfinite(v) ? Napi::Number::New(env, v) : env.Null()); };
      num("depth", static_cast<double>(t.depth));
      num("lambda", t.lambda);
      num("Lambda", t.Lambda);
      num("a", t.a);
      num("wStarNorm", t.wStarNorm);
      num("projectionNorm", t.projectionNorm);
      o.Set("singularSigma", Napi::Boolean::New(env, t.singularSigma));
      num("sMin", t.sMin);
      num("sMinRefinedLower", t.sMinRefinedLower);
      num("sMinRefinedUpper", t.sMinRefinedUpper);
      num("sRankOne", t.sRankOne);
      num("smallInitUpper", t.smallInitUpper);
      num("codeUpper", t.codeUpper);
      num("criticalLearningRate", t.criticalLearningRate);
      num("lossMin", t.lossMin);
      o.Set("sigmaEigenvalues", ToFloat64Array(env, t.sigmaEigenvalues));
      o.Set("wStar", ToFloat64Array(env, t.wStar));
      return o;
    });
  }

  std::shared_ptr<const dln::Problem> problem_;
};

}  // namespace

std::shared_ptr<const dln::Problem> UnwrapProblem(Napi::Value value, const std::string& field) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kProblemTag)) {
    dln::fail(dln::ErrorCode::Type, field, "expected a Problem (created by dlnflow)");
  }
  NativeProblem* p = NativeProblem::Unwrap(value.As<Napi::Object>());
  if (!p || !p->problem()) dln::fail(dln::ErrorCode::Type, field, "expected a Problem (created by dlnflow)");
  return p->problem();
}

void RegisterProblem(Napi::Env env, Napi::Object exports) { exports.Set("NativeProblem", NativeProblem::Define(env)); }

}  // namespace binding
