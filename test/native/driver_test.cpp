// The scaffolding every driver shares (driver.hpp): the recorder's columns and all-or-nothing rows,
// the step schedule, the divergence guard; and the two drivers' use of it (a cancellation from
// inside an eigensolve ends a run as "cancelled" with whole rows only).
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "check.hpp"
#include "driver.hpp"
#include "flow.hpp"
#include "gd.hpp"
#include "losses/regression.hpp"

namespace {

std::shared_ptr<const dln::Problem> smallProblem() {
  const std::vector<double> X = {1.0, 0.5, -0.3, 2.0, 0.7, 0.1}, y = {1.0, -0.5, 0.3};
  auto loss = std::make_shared<dln::RegressionLoss>(3, 2, X.data(), y.data());
  return std::make_shared<const dln::Problem>(dln::NetworkSpec({2, 3, 3, 1}, {}), loss);
}

bool aligned(const dln::Trace& t) {
  for (const auto& c : t.columns())
    if (c.values.size() != t.rows() * c.width) return false;
  return true;
}

}  // namespace

int main() {
  auto problem = smallProblem();
  const std::size_t P = problem->spec().paramCount();
  std::vector<double> theta(P);
  for (std::size_t i = 0; i < P; ++i) theta[i] = 0.3 * std::sin(1.0 + static_cast<double>(i));

  // Columns: step, time, then the names in order, duplicates dropped, extras where named.
  {
    dln::Trace trace;
    dln::RunRecorder recorder(*problem, {"loss", "stepSize", "gradNorm", "loss", "layerNorms"}, dln::ProbeOptions(),
                              trace, {}, {"stepSize"});
    std::vector<std::string> names;
    for (const auto& c : trace.columns()) names.push_back(c.name);
    CHECK((names == std::vector<std::string>{"step", "time", "loss", "stepSize", "gradNorm", "layerNorms"}),
          "column order");
    dln::Evaluator ev(*problem);
    const double loss = ev.evaluate(theta.data());
    ev.completeGradient();
    recorder.row(dln::ProbeContext(*problem, ev, theta.data(), theta.data(), 7, 0.5, loss), {0.25});
    CHECK(trace.rows() == 1 && recorder.rows() == 1 && recorder.lastRowIs(7, 0.5), "one row");
    CHECK(trace.column(0).values[0] == 7 && trace.column(1).values[0] == 0.5, "step and time");
    CHECK_BITS(trace.column(2).values[0], loss, "loss");
    CHECK(trace.column(3).values[0] == 0.25, "the extra column's value");
    CHECK_BITS(trace.column(4).values[0], std::sqrt(ev.gradNormSquared()), "gradNorm");
    CHECK(trace.column(5).width == 3, "a vector quantity's width");
    CHECK_THROWS(dln::RunRecorder::check(*problem, {"stepSize"}, dln::ProbeOptions()), dln::ErrorCode::Value,
                 "an extra is unknown to a driver that does not declare it");
    CHECK_THROWS(dln::RunRecorder::check(*problem, {"los"}, dln::ProbeOptions()), dln::ErrorCode::Value,
                 "unknown name");
  }
  // A row interrupted by a cancellation inside the eigensolve leaves no partial row.
  {
    std::atomic<bool> cancel{false};
    dln::Trace trace;
    dln::RunRecorder recorder(*problem, {"loss", "sharpness", "gradNorm"}, dln::ProbeOptions(), trace,
                              dln::CancelFlag(&cancel));
    dln::Evaluator ev(*problem);
    const double loss = ev.evaluate(theta.data());
    ev.completeGradient();
    recorder.row(dln::ProbeContext(*problem, ev, theta.data(), theta.data(), 0, 0.0, loss));
    cancel = true;
    CHECK_THROWS(recorder.row(dln::ProbeContext(*problem, ev, theta.data(), theta.data(), 1, 1.0, loss)),
                 dln::ErrorCode::Cancelled, "the cancellation leaves the recorder");
    CHECK(trace.rows() == 1 && recorder.rows() == 1 && aligned(trace), "the interrupted row is gone from every column");
    CHECK(recorder.lastRowIs(0, 0.0), "the last row is still the first");
  }
  // The step schedule: step 0, every k, and log-spaced per decade.
  {
    dln::RecordSchedule every3(3, 0), decade2(0, 2), both(50, 1);
    std::vector<std::uint64_t> a, b, c;
    for (std::uint64_t t = 0; t <= 120; ++t) {
      if (every3.due(t) && t <= 10) a.push_back(t);
      if (decade2.due(t)) b.push_back(t);
      if (both.due(t)) c.push_back(t);
    }
    CHECK((a == std::vector<std::uint64_t>{0, 3, 6, 9}), "every 3");
    CHECK((b == std::vector<std::uint64_t>{0, 1, 4, 10, 32, 100}), "2 per decade: ceil(10^(j/2))");
    CHECK((c == std::vector<std::uint64_t>{0, 1, 10, 50, 100}), "every 50 and 1 per decade");
  }
  // The divergence guard.
  {
    dln::DivergenceGuard automatic(std::nan(""));
    automatic.start(3.0);
    CHECK(automatic.ceiling() == 3e12, "automatic ceiling 1e12 max(1, loss0)");
    CHECK(!automatic.diverged(2.9e12) && automatic.diverged(3.1e12) && automatic.diverged(NAN) &&
              automatic.diverged(INFINITY),
          "above the ceiling or non-finite");
    dln::DivergenceGuard small(std::nan(""));
    small.start(0.01);
    CHECK(small.ceiling() == 1e12, "at least 1e12");
    dln::DivergenceGuard fixed(5.0);
    fixed.start(100.0);
    CHECK(fixed.ceiling() == 5.0 && fixed.diverged(100.0), "a given ceiling is kept (the start point itself diverges)");
    CHECK_THROWS(dln::DivergenceGuard::validate(0.0), dln::ErrorCode::Value, "ceiling 0");
    CHECK_THROWS(dln::DivergenceGuard::validate(-1.0), dln::ErrorCode::Value, "negative ceiling");
    dln::DivergenceGuard::validate(std::nan(""));
  }
  // Both drivers: a cancellation that arrives inside a recording's eigensolve ends the run as
  // "cancelled" with whole rows. The flag is raised by the progress callback, which the drivers
  // call between steps; the next recording's Lanczos sees it before its first product.
  {
    std::atomic<bool> cancel{false};
    dln::RunControl control(
        &cancel,
        [&](const dln::Progress& p) {
          if (p.done >= 3) cancel = true;
        },
        0.0);
    dln::GdOptions o;
    o.learningRate = 0.01;
    o.maxSteps = 1000;
    o.recordEvery = 1;
    o.record = {"loss", "sharpness"};
    const dln::GdResult r = dln::gradientDescent(*problem, theta, o, control);
    CHECK(r.status == dln::RunStatus::Cancelled, "GD: cancelled");
    CHECK(aligned(r.trace) && r.trace.rows() >= 1 && r.trace.rows() < 1000, "GD: whole rows only");
    CHECK(std::isfinite(r.finalLoss), "GD: the final loss of the point reached");

    cancel = false;
    std::atomic<bool> flowCancel{false};
    dln::RunControl flowControl(
        &flowCancel,
        [&](const dln::Progress& p) {
          if (p.done >= 3) flowCancel = true;
        },
        0.0);
    dln::FlowOptions f;
    f.tEnd = 1e6;
    f.recordEvery = 1;
    f.record = {"loss", "stepSize", "sharpness"};
    const dln::FlowResult fr = dln::gradientFlow(*problem, theta, f, flowControl);
    CHECK(fr.status == dln::RunStatus::Cancelled, "flow: cancelled");
    CHECK(aligned(fr.trace) && fr.trace.rows() >= 1, "flow: whole rows only");
  }
  return check::done("driver_test");
}
