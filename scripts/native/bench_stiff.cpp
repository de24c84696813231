// Stiff gradient-flow steppers (src/exprb.*, src/rkc.*) against RK45 (src/dopri5.*) and gradient
// descent, ratios within one run (docs/stiff-integration.md §7). Counts are
// deterministic; times are CPU seconds of one run (and wall seconds) on a shared machine, time
// ratios against GD measured in the same run. Prints JSON.
//
//   bench_stiff [jacot] [long] [mc] [reference]
//   jacot:     Jacot et al.'s deep setting (L = 4, w = 100, default teacher, init std 0.01),
//              t in [0, 100], rtol 1e-6, atol 1e-9: RK45, exprb43, exprb32, RKC2 (gradients,
//              Hessian-vector products, gradient-equivalents = gradients + 2 HVPs, steps, time),
//              each end point against RK45's in units of the tolerance, the balancedness drift;
//              GD at eta = 1e-3 over the same t (100 000 steps), timed.
//   reference: adds RK45 at rtol 1e-12 over [0, 100] (~600 000 gradients) and every end point's
//              error against it.
//   long:      the same to t = 1500 (the whole Fig. 2 horizon) with exprb43, against the time of
//              the 1.5e6-step GD run at eta = 1e-3.
//   mc:        Marion-Chizat flows (n = 50, d = 5, L = 10) to excess loss 1e-10: Gaussian scale
//              0.05 at rtol 1e-6 (bench_flow's run), and the gf-limit preset's zero-layer inits
//              at rtol 1e-8; RK45 against exprb43 and RKC2 (the event located on the dense output).
//   flow:      the same questions through flow() itself (dln::gradientFlow, method rk45 | exprb43 |
//              auto, with its probes, events and evaluation slots): Jacot [0, 100] gradient-
//              equivalents against RK45 and CPU time against GD at eta = 1e-3; Jacot to t = 1500
//              (auto and exprb43) against the 1.5e6-step GD run; Marion-Chizat auto against RK45
//              (gradient-equivalents, the event location included). The README's three numbers.
//   flow-quick: flow without the RK45 run over [0, 100] and the long runs (a smoke test).
//   flow-check FILE: auto and exprb43 through flow() on Jacot [0, 100] (counts, end point against
//              RK45's in units of the tolerance, drift, CPU time against GD in the same run), with
//              RK45's end point (rtol 1e-6, 620 649 gradients) read from FILE, or computed and written
//              there when FILE does not exist: the accuracy check of bench_stiff flow without its
//              minute of RK45 on every run.
//   profile-auto [T], profile-gd [T]: one run alone for a profiler (perf, callgrind): auto on Jacot
//              deep over [0, T] (default 100) with its Krylov counts, or GD at eta = 1e-3 over the same t.
// Without arguments: jacot and mc.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <string>

#include "bench_common.hpp"
#include "blas.hpp"
#include "data.hpp"
#include "diagnostics.hpp"
#include "dopri5.hpp"
#include "exprb.hpp"
#include "flow.hpp"
#include "gd.hpp"
#include "hessian.hpp"
#include "init.hpp"
#include "lanczos.hpp"
#include "losses/mse.hpp"
#include "rkc.hpp"
#include "stiff_auto.hpp"

using namespace dln;

namespace {

// CPU time of this process: on a shared machine it is far less sensitive to the load than wall
// time (the runs are single-threaded: BLAS is capped at one thread).
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpuNow();
};

double seconds(const Clock& c) { return cpuNow() - c.cpu; }
double wallSeconds(const Clock& c) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - c.wall).count();
}

template <class S>
std::uint64_t switchesOf(const S&) {
  return 0;
}
std::uint64_t switchesOf(const AutoStepper& s) { return s.switches(); }

struct Outcome {
  std::uint64_t switches = 0;
  std::string method;
  std::uint64_t nfev = 0, hvps = 0, accepted = 0, rejected = 0, krylov = 0, extra = 0;
  std::size_t maxKrylov = 0, maxStages = 0;
  double seconds = 0.0, wall = 0.0, t = 0.0;  // CPU and wall seconds
  std::vector<double> y;
  bool ok = false;
  std::uint64_t cost() const { return nfev + 2 * hvps + extra; }
};

// RK45 as the flow driver runs it (I controller), on the bare DOPRI5 loop when no event is asked
// (the driver's per-step bookkeeping is then nothing), through gradientFlow() with the event.
Outcome rk45(const Problem& problem, const std::vector<double>& theta, double tEnd, double rtol, double excessBelow) {
  Outcome o;
  o.method = "rk45";
  const Clock t0;
  if (std::isnan(excessBelow)) {
    GradientFlowSystem system(problem);
    Dopri5Options opt;
    opt.rtol = rtol;
    opt.atol = 1e-3 * rtol;
    Dopri5 solver(system, theta.data(), 0.0, tEnd, opt);
    while (solver.status() == Dopri5::Status::Running) solver.step();
    o.seconds = seconds(t0);
    o.wall = wallSeconds(t0);
    o.nfev = solver.nfev();
    o.accepted = solver.accepted();
    o.rejected = solver.rejected();
    o.t = solver.t();
    o.y.assign(solver.y(), solver.y() + solver.dimension());
    o.ok = solver.status() == Dopri5::Status::Finished;
    return o;
  }
  FlowOptions opt;
  opt.tEnd = tEnd;
  opt.integrator.rtol = rtol;
  opt.integrator.atol = 1e-3 * rtol;
  FlowEventSpec e;
  e.quantity = "excessLoss";
  e.threshold = excessBelow;
  e.name = "excessLossBelow";
  opt.events = {e};
  opt.record = {"loss"};
  opt.maxSteps = 100000000;
  RunControl control;
  const FlowResult r = gradientFlow(problem, theta, opt, control);
  o.seconds = seconds(t0);
  o.wall = wallSeconds(t0);
  o.nfev = r.nfev;
  o.extra = r.extraEvaluations;
  o.accepted = r.accepted;
  o.rejected = r.rejected;
  o.t = r.time;
  o.y = r.weights;
  o.ok = r.status == RunStatus::Converged || r.status == RunStatus::Completed;
  return o;
}

// A stiff stepper to tEnd or to the first time the excess loss falls below `excessBelow`
// (located by Brent's method on the dense output, as the flow driver locates events).
template <class Stepper, class... Extra>
Outcome stiff(const char* name, const Problem& problem, const std::vector<double>& theta, double tEnd, double rtol,
              double excessBelow, Extra... extra) {
  Outcome o;
  o.method = name;
  const Clock t0;
  DlnHessianSystem system(problem);
  GradientFlowSystem probe(problem);  // loss at dense-output points
  StiffOptions opt;
  opt.rtol = rtol;
  opt.atol = 1e-3 * rtol;
  Stepper stepper(system, theta.data(), 0.0, tEnd, opt, extra...);
  const bool event = !std::isnan(excessBelow);
  const double floor = problem.lossMinimum() + excessBelow;
  double gOld = system.loss() - floor;
  std::vector<double> point(theta.size());
  bool hit = false;
  while (stepper.status() == Stepper::Status::Running && !hit) {
    if (stepper.step() == Stepper::Status::Failed) break;
    if (!event) continue;
    const double gNew = system.loss() - floor;  // the system is linearized at the accepted point
    if (eventActive(gOld, gNew, -1)) {
      const double s = brentRoot(
          [&](double x) {
            stepper.dense(x, point.data());
            return probe.evaluateAt(point.data()) - floor;
          },
          0.0, stepper.stepSize(), gOld, gNew, 4 * 2.2e-16, 4 * 2.2e-16);
      stepper.dense(s, point.data());
      o.t = stepper.timeOld().plus(s);
      o.y = point;
      hit = true;
    }
    gOld = gNew;
  }
  o.seconds = seconds(t0);
  o.wall = wallSeconds(t0);
  const StiffStats& st = stepper.stats();
  o.nfev = st.nfev;
  o.hvps = st.hvps;
  o.extra = probe.evaluations();
  o.accepted = st.accepted;
  o.rejected = st.rejected;
  o.krylov = st.krylovIterations;
  o.maxKrylov = st.maxKrylov;
  o.maxStages = st.maxStages;
  o.switches = switchesOf(stepper);
  if (!hit) {
    o.t = stepper.t();
    o.y.assign(stepper.y(), stepper.y() + stepper.dimension());
  }
  o.ok = event ? hit : stepper.status() == Stepper::Status::Finished;
  return o;
}

double gdSeconds(const Problem& problem, const std::vector<double>& theta, double eta, std::uint64_t steps) {
  GdOptions o;
  o.learningRate = eta;
  o.maxSteps = steps;
  o.record = {"loss"};
  RunControl control;
  const Clock t0;
  const GdResult r = gradientDescent(problem, theta, o, control);
  sink(r.weights[0]);
  return seconds(t0);
}

// ||y - ref||_inf / (atol + rtol ||ref||_inf).
double tolUnits(const std::vector<double>& y, const std::vector<double>& ref, double rtol) {
  double e = 0.0, m = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    e = std::max(e, std::fabs(y[i] - ref[i]));
    m = std::max(m, std::fabs(ref[i]));
  }
  return e / (1e-3 * rtol + rtol * m);
}

// Lemma 1's drift max_k ||D_k - D_k(0)||_F relative to max_k ||W_k||_F^2.
double relativeDrift(const Problem& problem, const std::vector<double>& y, const std::vector<double>& theta0) {
  const NetworkSpec& spec = problem.spec();
  double big = 0.0;
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    double s = 0.0;
    for (std::size_t i = 0; i < spec.layerSize(l); ++i) s += y[spec.offset(l) + i] * y[spec.offset(l) + i];
    big = std::max(big, s);
  }
  return diagnostics::balancednessDrift(spec, y.data(), theta0.data()) / big;
}

double sharpness(const Problem& problem, const std::vector<double>& y) {
  Evaluator ev(problem);
  ev.evaluate(y.data());
  ev.completeGradient();
  HessianOperator H(ev);
  LanczosOptions lo;
  lo.tol = 1e-12;
  lo.wantVectors = false;
  return lanczos(H, lo).values[0];
}

void printOutcome(const Outcome& o, bool last, const std::string& more = "") {
  std::printf(
      "      {\"method\": \"%s\", \"ok\": %s, \"gradients\": %llu, \"hvps\": %llu, \"extraEvaluations\": %llu, "
      "\"gradientEquivalents\": %llu, \"accepted\": %llu, \"rejected\": %llu, \"krylovIterations\": %llu, "
      "\"maxKrylov\": %zu, \"maxStages\": %zu, \"switches\": %llu, \"t\": %.10g, \"cpuSeconds\": %.3f, "
      "\"wallSeconds\": %.3f%s}%s\n",
      o.method.c_str(), o.ok ? "true" : "false", (unsigned long long)o.nfev, (unsigned long long)o.hvps,
      (unsigned long long)o.extra, (unsigned long long)o.cost(), (unsigned long long)o.accepted,
      (unsigned long long)o.rejected, (unsigned long long)o.krylov, o.maxKrylov, o.maxStages,
      (unsigned long long)o.switches, o.t, o.seconds, o.wall, more.c_str(), last ? "" : ",");
}

struct JacotSetup {
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem problem{NetworkSpec({10, 100, 100, 100, 10}, {}),
                  std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0};
  std::vector<double> theta;
  JacotSetup() {
    InitOptions io;
    io.scale = 0.01;
    io.seed = 1;
    theta = initialize(problem.spec(), io);
  }
};

void jacot(bool withReference, bool& first) {
  const JacotSetup j;
  const double T = 100, rtol = 1e-6, nan = std::numeric_limits<double>::quiet_NaN();
  const double gd = gdSeconds(j.problem, j.theta, 1e-3, 100000);
  std::vector<Outcome> runs;
  runs.push_back(rk45(j.problem, j.theta, T, rtol, nan));
  runs.push_back(stiff<Exprb>("exprb43", j.problem, j.theta, T, rtol, nan, ExprbScheme::Exprb43));
  runs.push_back(stiff<Exprb>("exprb32", j.problem, j.theta, T, rtol, nan, ExprbScheme::Exprb32));
  runs.push_back(stiff<Rkc>("rkc2", j.problem, j.theta, T, rtol, nan));
  runs.push_back(stiff<AutoStepper>("auto", j.problem, j.theta, T, rtol, nan));
  Outcome ref;
  if (withReference) ref = rk45(j.problem, j.theta, T, 1e-12, nan);
  std::printf(
      "%s  \"jacotDeep\": {\"T\": %g, \"rtol\": %g, \"atol\": %g, \"gdEta\": 0.001, \"gdSteps\": 100000, "
      "\"gdCpuSeconds\": %.3f,\n",
      first ? "" : ",\n", T, rtol, 1e-3 * rtol, gd);
  first = false;
  if (withReference) {
    std::printf(
        "    \"reference\": {\"method\": \"rk45\", \"rtol\": 1e-12, \"gradients\": %llu, \"cpuSeconds\": %.1f},\n",
        (unsigned long long)ref.nfev, ref.seconds);
  }
  std::printf("    \"runs\": [\n");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Outcome& o = runs[i];
    char more[512];
    int n = std::snprintf(more, sizeof more,
                          ", \"fewerThanRk45\": %.2f, \"timeVsGd\": %.3f, \"vsRk45Tol\": %.3g, \"relativeDrift\": "
                          "%.3g, \"finalLoss\": %.10g",
                          double(runs[0].cost()) / double(o.cost()), o.seconds / gd, tolUnits(o.y, runs[0].y, rtol),
                          relativeDrift(j.problem, o.y, j.theta), [&] {
                            GradientFlowSystem s(j.problem);
                            return s.evaluateAt(o.y.data());
                          }());
    if (withReference)
      std::snprintf(more + n, sizeof more - n, ", \"vsReferenceTol\": %.3g", tolUnits(o.y, ref.y, rtol));
    printOutcome(o, i + 1 == runs.size(), more);
  }
  std::printf("    ]}");
}

void jacotLong(bool& first) {
  const JacotSetup j;
  const double T = 1500, rtol = 1e-6, nan = std::numeric_limits<double>::quiet_NaN();
  const Outcome a = stiff<Exprb>("exprb43", j.problem, j.theta, T, rtol, nan, ExprbScheme::Exprb43);
  const double gd = gdSeconds(j.problem, j.theta, 1e-3, 1500000);
  std::printf(
      "%s  \"jacotDeepLong\": {\"T\": %g, \"rtol\": %g, \"gdSteps\": 1500000, \"gdCpuSeconds\": %.2f,\n    \"runs\": "
      "[\n",
      first ? "" : ",\n", T, rtol, gd);
  first = false;
  char more[256];
  GradientFlowSystem s(j.problem);
  std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f, \"finalLoss\": %.10g, \"relativeDrift\": %.3g",
                a.seconds / gd, s.evaluateAt(a.y.data()), relativeDrift(j.problem, a.y, j.theta));
  printOutcome(a, true, more);
  std::printf("    ]}");
}

void mc(bool& first) {
  const Problem problem = marionChizatBenchProblem();
  struct Case {
    const char* name;
    InitKind kind;
    double scale, rtol;
  };
  const Case cases[] = {{"gaussian-0.05", InitKind::Gaussian, 0.05, 1e-6},
                        {"zero-layer-0.3", InitKind::ZeroLayer, 0.3, 1e-8},
                        {"zero-layer-0.01", InitKind::ZeroLayer, 0.01, 1e-8},
                        {"zero-layer-3e-5", InitKind::ZeroLayer, 3e-5, 1e-8}};
  std::printf("%s  \"marionChizat\": [\n", first ? "" : ",\n");
  first = false;
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    const Case& k = cases[c];
    InitOptions io;
    io.kind = k.kind;
    io.scale = k.scale;
    io.seed = 1;
    io.zeroLayer = 0;
    const auto theta = initialize(problem.spec(), io);
    std::vector<Outcome> runs;
    runs.push_back(rk45(problem, theta, inf, k.rtol, 1e-10));
    runs.push_back(stiff<Exprb>("exprb43", problem, theta, inf, k.rtol, 1e-10, ExprbScheme::Exprb43));
    runs.push_back(stiff<Rkc>("rkc2", problem, theta, inf, k.rtol, 1e-10));
    runs.push_back(stiff<AutoStepper>("auto", problem, theta, inf, k.rtol, 1e-10));
    const double s0 = sharpness(problem, runs[0].y);
    std::printf("    {\"init\": \"%s\", \"rtol\": %g, \"excessLossBelow\": 1e-10, \"runs\": [\n", k.name, k.rtol);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      char more[256];
      std::snprintf(more, sizeof more, ", \"vsRk45Evaluations\": %.3f, \"sharpness\": %.12g, \"sharpnessVsRk45\": %.3g",
                    double(runs[i].cost()) / double(runs[0].cost()), sharpness(problem, runs[i].y),
                    sharpness(problem, runs[i].y) / s0 - 1);
      printOutcome(runs[i], i + 1 == runs.size(), more);
    }
    std::printf("    ]}%s\n", c + 1 == sizeof cases / sizeof cases[0] ? "" : ",");
  }
  std::printf("  ]");
}

struct FlowRun {
  FlowResult r;
  double seconds;
  std::uint64_t cost() const { return r.nfev + 2 * r.hvps + r.extraEvaluations; }
};

FlowRun runFlow(const Problem& problem, const std::vector<double>& theta, FlowMethod method, double T, double rtol,
                double excessLossBelow) {
  FlowOptions o;
  o.tEnd = T;
  o.method = method;
  o.integrator.rtol = rtol;
  o.integrator.atol = 1e-3 * rtol;
  o.record = {"loss"};
  if (std::isfinite(excessLossBelow)) {
    FlowEventSpec e;
    e.quantity = "excessLoss";
    e.threshold = excessLossBelow;
    e.name = "excessLossBelow";
    e.field = "events.excessLossBelow";
    o.events.push_back(e);
  }
  RunControl control;
  const double c0 = cpuNow();
  FlowRun out{gradientFlow(problem, theta, o, control), 0.0};
  out.seconds = cpuNow() - c0;
  return out;
}

void printFlowRun(const char* name, const FlowRun& f, bool last, const std::string& more) {
  std::printf(
      "      {\"method\": \"%s\", \"status\": \"%s\", \"t\": %.6g, \"gradients\": %llu, \"hvps\": %llu, "
      "\"extraEvaluations\": %llu, \"gradientEquivalents\": %llu, \"accepted\": %llu, \"rejected\": %llu, "
      "\"switches\": %llu, \"finalLoss\": %.10g, \"cpuSeconds\": %.3f%s}%s\n",
      name, runStatusName(f.r.status), f.r.time, (unsigned long long)f.r.nfev, (unsigned long long)f.r.hvps,
      (unsigned long long)f.r.extraEvaluations, (unsigned long long)f.cost(), (unsigned long long)f.r.accepted,
      (unsigned long long)f.r.rejected, (unsigned long long)f.r.switches, f.r.finalLoss, f.seconds, more.c_str(),
      last ? "" : ",");
}

void flowBench(bool quick, bool& first) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::printf("%s  \"flow\": {\n", first ? "" : ",\n");
  first = false;
  {
    // Marion-Chizat: auto against RK45 (the bar for auto as the default: <= 1.2x).
    const Problem problem = marionChizatBenchProblem();
    struct Case {
      const char* name;
      InitKind kind;
      double scale, rtol;
    };
    const Case cases[] = {{"gaussian-0.05", InitKind::Gaussian, 0.05, 1e-6},
                          {"zero-layer-0.3", InitKind::ZeroLayer, 0.3, 1e-8},
                          {"zero-layer-0.01", InitKind::ZeroLayer, 0.01, 1e-8},
                          {"zero-layer-3e-5", InitKind::ZeroLayer, 3e-5, 1e-8}};
    std::printf("    \"marionChizat\": [\n");
    double worst = 0;
    for (std::size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
      const Case& k = cases[c];
      InitOptions io;
      io.kind = k.kind;
      io.scale = k.scale;
      io.seed = 1;
      io.zeroLayer = 0;
      const auto theta = initialize(problem.spec(), io);
      const FlowRun rk = runFlow(problem, theta, FlowMethod::Rk45, inf, k.rtol, 1e-10);
      const FlowRun au = runFlow(problem, theta, FlowMethod::Auto, inf, k.rtol, 1e-10);
      const FlowRun ex = runFlow(problem, theta, FlowMethod::Exprb43, inf, k.rtol, 1e-10);
      const double ratio = double(au.cost()) / double(rk.cost());
      worst = std::max(worst, ratio);
      std::printf("     {\"init\": \"%s\", \"rtol\": %g, \"autoVsRk45\": %.4f, \"exprb43VsRk45\": %.3f, \"runs\": [\n",
                  k.name, k.rtol, ratio, double(ex.cost()) / double(rk.cost()));
      printFlowRun("rk45", rk, false, "");
      printFlowRun("auto", au, false, "");
      printFlowRun("exprb43", ex, true, "");
      std::printf("     ]}%s\n", c + 1 == sizeof cases / sizeof cases[0] ? "" : ",");
    }
    std::printf("    ],\n    \"marionChizatWorstAutoVsRk45\": %.4f,\n", worst);
  }
  const JacotSetup j;
  {
    const double T = 100, rtol = 1e-6;
    const double gd = gdSeconds(j.problem, j.theta, 1e-3, 100000);
    const FlowRun ex = runFlow(j.problem, j.theta, FlowMethod::Exprb43, T, rtol, nan);
    const FlowRun au = runFlow(j.problem, j.theta, FlowMethod::Auto, T, rtol, nan);
    std::printf(
        "    \"jacotDeep\": {\"T\": %g, \"rtol\": %g, \"gdSteps\": 100000, \"gdCpuSeconds\": %.3f, \"runs\": [\n", T,
        rtol, gd);
    if (!quick) {
      const FlowRun rk = runFlow(j.problem, j.theta, FlowMethod::Rk45, T, rtol, nan);
      char more[256];
      std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f", rk.seconds / gd);
      printFlowRun("rk45", rk, false, more);
      for (const auto* f : {&ex, &au}) {
        std::snprintf(more, sizeof more, ", \"fewerThanRk45\": %.2f, \"timeVsGd\": %.3f, \"vsRk45Tol\": %.3g",
                      double(rk.cost()) / double(f->cost()), f->seconds / gd,
                      tolUnits(f->r.weights, rk.r.weights, rtol));
        printFlowRun(f == &ex ? "exprb43" : "auto", *f, f == &au, more);
      }
    } else {
      char more[64];
      std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f", ex.seconds / gd);
      printFlowRun("exprb43", ex, false, more);
      std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f", au.seconds / gd);
      printFlowRun("auto", au, true, more);
    }
    std::printf("    ]}");
  }
  if (!quick) {
    const double T = 1500, rtol = 1e-6;
    const FlowRun au = runFlow(j.problem, j.theta, FlowMethod::Auto, T, rtol, nan);
    const FlowRun ex = runFlow(j.problem, j.theta, FlowMethod::Exprb43, T, rtol, nan);
    const double gd = gdSeconds(j.problem, j.theta, 1e-3, 1500000);
    std::printf(
        ",\n    \"jacotDeepLong\": {\"T\": %g, \"rtol\": %g, \"gdSteps\": 1500000, \"gdCpuSeconds\": %.2f, \"runs\": "
        "[\n",
        T, rtol, gd);
    char more[64];
    std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f", au.seconds / gd);
    printFlowRun("auto", au, false, more);
    std::snprintf(more, sizeof more, ", \"timeVsGd\": %.3f", ex.seconds / gd);
    printFlowRun("exprb43", ex, true, more);
    std::printf("    ]}");
  }
  std::printf("\n  }");
}

// flow-check: see the header.
void flowCheck(const char* file) {
  const JacotSetup j;
  const double T = 100, rtol = 1e-6, nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> ref(j.theta.size());
  if (FILE* in = std::fopen(file, "rb")) {
    const bool ok = std::fread(ref.data(), sizeof(double), ref.size(), in) == ref.size();
    std::fclose(in);
    if (!ok) {
      std::fprintf(stderr, "bench_stiff: %s does not hold %zu doubles\n", file, ref.size());
      std::exit(2);
    }
  } else {
    ref = runFlow(j.problem, j.theta, FlowMethod::Rk45, T, rtol, nan).r.weights;
    FILE* out = std::fopen(file, "wb");
    if (!out || std::fwrite(ref.data(), sizeof(double), ref.size(), out) != ref.size()) {
      std::fprintf(stderr, "bench_stiff: cannot write %s\n", file);
      std::exit(2);
    }
    std::fclose(out);
  }
  const Clock g;
  const double gd = gdSeconds(j.problem, j.theta, 1e-3, 100000), gdWall = wallSeconds(g);
  std::printf(
      "{\"jacotDeep\": {\"T\": %g, \"rtol\": %g, \"gdCpuSeconds\": %.3f, \"gdWallSeconds\": %.3f, \"runs\": [\n", T,
      rtol, gd, gdWall);
  for (FlowMethod m : {FlowMethod::Auto, FlowMethod::Exprb43}) {
    const Clock c;
    const FlowRun f = runFlow(j.problem, j.theta, m, T, rtol, nan);
    const double wall = wallSeconds(c);
    char more[256];
    std::snprintf(more, sizeof more,
                  ", \"timeVsGd\": %.3f, \"wallVsGd\": %.3f, \"fewerThanRk45\": %.2f, \"vsRk45Tol\": %.3g, "
                  "\"relativeDrift\": %.3g",
                  f.seconds / gd, wall / gdWall, 620649.0 / double(f.cost()), tolUnits(f.r.weights, ref, rtol),
                  relativeDrift(j.problem, f.r.weights, j.theta));
    printFlowRun(m == FlowMethod::Auto ? "auto" : "exprb43", f, m == FlowMethod::Exprb43, more);
  }
  std::printf("]}}\n");
}

}  // namespace

int main(int argc, char** argv) {
  setBlasThreads(1);
  bool doJacot = argc == 1, doLong = false, doMc = argc == 1, doReference = false, doFlow = false, flowQuick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "jacot")) doJacot = true;
    else if (!std::strcmp(argv[i], "long")) doLong = true;
    else if (!std::strcmp(argv[i], "mc")) doMc = true;
    else if (!std::strcmp(argv[i], "reference")) doJacot = doReference = true;
    else if (!std::strcmp(argv[i], "flow")) doFlow = true;
    else if (!std::strcmp(argv[i], "flow-quick")) doFlow = flowQuick = true;
    else if (!std::strcmp(argv[i], "flow-check") && i + 1 < argc) {
      flowCheck(argv[i + 1]);
      return 0;
    } else if (!std::strcmp(argv[i], "profile-auto") || !std::strcmp(argv[i], "profile-gd")) {
      // One run alone, for a profiler (callgrind, perf): Jacot deep over [0, T] (T = argv[i + 1],
      // default 100) with auto at rtol 1e-6, or GD at eta = 1e-3 over the same t.
      const JacotSetup j;
      const double T = i + 1 < argc ? std::atof(argv[i + 1]) : 100.0;
      if (!std::strcmp(argv[i], "profile-gd")) {
        std::printf("{\"gdCpuSeconds\": %.3f}\n", gdSeconds(j.problem, j.theta, 1e-3, std::uint64_t(T * 1000 + 0.5)));
      } else {
        const FlowRun au =
            runFlow(j.problem, j.theta, FlowMethod::Auto, T, 1e-6, std::numeric_limits<double>::quiet_NaN());
        char more[256];
        std::snprintf(
            more, sizeof more,
            ", \"krylovIterations\": %llu, \"krylovCuts\": %llu, \"sharpnessEstimates\": %llu, \"maxKrylov\": %zu",
            (unsigned long long)au.r.krylovIterations, (unsigned long long)au.r.krylovCuts,
            (unsigned long long)au.r.sharpnessEstimates, (std::size_t)au.r.maxKrylovBasis);
        printFlowRun("auto", au, true, more);
      }
      return 0;
    } else {
      std::fprintf(stderr,
                   "usage: bench_stiff [jacot] [reference] [long] [mc] [flow | flow-quick] [flow-check FILE] "
                   "[profile-auto|profile-gd [T]]\n");
      return 2;
    }
  }
  bool first = true;
  std::printf("{\n");
  if (doMc) mc(first);
  if (doJacot) jacot(doReference, first);
  if (doLong) jacotLong(first);
  if (doFlow) flowBench(flowQuick, first);
  std::printf("\n}\n");
}
