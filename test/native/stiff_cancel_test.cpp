// Cancellation inside one step of the stiff steppers (stiff_stepper.hpp, exprb.hpp, rkc.hpp,
// stiff_auto.hpp). The flag is raised by the system itself during its K-th product (or stage), as
// an abort landing in the middle of a step would; claims:
//   1. KrylovBasis: a product that throws leaves the basis as it was, and extending it afterwards
//      gives the bits of a basis never interrupted.
//   2. exprb43, exprb32, RKC2: the step throws ErrorCode::Cancelled with no product (or stage
//      right-hand side) after the one that raised the flag, and the stepper keeps the last accepted
//      step bit for bit (y, f, t, accepted). A flag that is set but never raised changes no bit of
//      the run (same seed, same bits).
//   3. auto: a detector estimate interrupted after an accepted RK45 step is dropped and the step
//      returned (bitwise the uncancelled step, no product spent); an exprb43 step throws and keeps
//      the last accepted step.
// False case: the same runs with the flag raised but not passed to the stepper (setCancel not
// called) must complete the step (the check above is what stops it), and item 1's reference must
// differ from a basis extended with a different product.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "blas.hpp"
#include "data.hpp"
#include "error.hpp"
#include "exprb.hpp"
#include "init.hpp"
#include "krylov_phi.hpp"
#include "losses/mse.hpp"
#include "rkc.hpp"
#include "stiff_auto.hpp"
#include "stiff_test_util.hpp"

using namespace dln;
using stiff_test::Checks;
using stiff_test::LinearFlow;

namespace {

constexpr std::size_t kN = 48;

std::vector<double> spectrum() { return stiff_test::logSpectrum(kN); }
std::vector<double> start() { return stiff_test::gaussianStart(kN); }

bool sameBits(const double* a, const double* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(double)) == 0; }

// LinearFlow that counts its products and stage right-hand sides and raises `flag` when a count
// reaches its trigger (0: never), as an abort during that product would.
class RaisingFlow final : public HessianOdeSystem {
 public:
  RaisingFlow(LinearFlow& flow, std::atomic<bool>& flag) : flow_(flow), flag_(flag) {}
  std::size_t dimension() const override { return flow_.dimension(); }
  void rhs(const double* y, double* f) override {
    flow_.rhs(y, f);
    if (++rhs_ == rhsTrigger) flag_.store(true);
  }
  void linearize(const double* y, double* f) override { flow_.linearize(y, f); }
  void linearizeAtLastRhs() override { flow_.linearizeAtLastRhs(); }
  void hessianTimes(const double* v, double* out) override {
    flow_.hessianTimes(v, out);
    if (++hvps_ == hvpTrigger) flag_.store(true);
  }
  std::uint64_t hvps() const { return hvps_; }
  std::uint64_t rhsCalls() const { return rhs_; }
  std::uint64_t hvpTrigger = 0, rhsTrigger = 0;

 private:
  LinearFlow& flow_;
  std::atomic<bool>& flag_;
  std::uint64_t hvps_ = 0, rhs_ = 0;
};

struct State {
  std::vector<double> y, f;
  double t = 0.0;
  std::uint64_t accepted = 0;
  template <class Stepper>
  static State of(const Stepper& s) {
    State st;
    st.y.assign(s.y(), s.y() + s.dimension());
    st.f.assign(s.f(), s.f() + s.dimension());
    st.t = s.t();
    st.accepted = s.accepted();
    return st;
  }
  bool operator==(const State& o) const {
    return t == o.t && accepted == o.accepted && sameBits(y.data(), o.y.data(), y.size()) &&
           sameBits(f.data(), o.f.data(), f.size());
  }
};

// A stepper on the linear flow over [0, 2] at rtol 1e-8: exprb43, exprb32, or RKC2 with a first
// step of 1e-3 (h S = 1e3: tens of stages from the start, where its own choice takes thousands of
// steps to get there).
enum class Kind { Exprb43, Exprb32, Rkc };
const char* name(Kind k) { return k == Kind::Exprb43 ? "exprb43" : k == Kind::Exprb32 ? "exprb32" : "rkc"; }

std::unique_ptr<StiffStepper> make(Kind k, HessianOdeSystem& system, const std::vector<double>& y0) {
  StiffOptions o;
  o.rtol = 1e-8;
  o.atol = 1e-11;
  if (k == Kind::Rkc) o.firstStep = 1e-3;
  if (k == Kind::Rkc) return std::make_unique<Rkc>(system, y0.data(), 0.0, 2.0, o, 5);
  return std::make_unique<Exprb>(system, y0.data(), 0.0, 2.0, o,
                                 k == Kind::Exprb43 ? ExprbScheme::Exprb43 : ExprbScheme::Exprb32);
}

// The reference: the states after each of the first `steps` steps and the counts before each.
struct Reference {
  std::vector<State> states;             // states[j]: after j steps
  std::vector<std::uint64_t> hvps, rhs;  // before step j (index j), cumulative
};

Reference reference(Kind k, std::size_t steps, bool withNeverRaisedFlag) {
  LinearFlow flow(spectrum(), 7);
  std::atomic<bool> flag{false};
  RaisingFlow system(flow, flag);
  const auto y0 = start();
  auto stepper = make(k, system, y0);
  if (withNeverRaisedFlag) stepper->setCancel(CancelFlag(&flag));
  Reference r;
  r.states.push_back(State::of(*stepper));
  for (std::size_t j = 0; j < steps && stepper->status() == StiffStepper::Status::Running; ++j) {
    r.hvps.push_back(system.hvps());
    r.rhs.push_back(system.rhsCalls());
    stepper->step();
    r.states.push_back(State::of(*stepper));
  }
  r.hvps.push_back(system.hvps());
  r.rhs.push_back(system.rhsCalls());
  return r;
}

struct Interrupted {
  bool threw = false;
  std::uint64_t hvps = 0, rhs = 0;
  State state;
};

// Runs steps until step `j`, during which the flag is raised at the hvpTrigger-th product (or
// the rhsTrigger-th stage). `pass`: whether the stepper gets the flag.
Interrupted interrupt(Kind k, std::size_t j, std::uint64_t hvpTrigger, std::uint64_t rhsTrigger, bool pass) {
  LinearFlow flow(spectrum(), 7);
  std::atomic<bool> flag{false};
  RaisingFlow system(flow, flag);
  const auto y0 = start();
  auto stepper = make(k, system, y0);
  if (pass) stepper->setCancel(CancelFlag(&flag));
  for (std::size_t i = 0; i < j; ++i) stepper->step();
  system.hvpTrigger = hvpTrigger;
  system.rhsTrigger = rhsTrigger;
  Interrupted out;
  try {
    stepper->step();
  } catch (const Error& e) {
    out.threw = e.code() == ErrorCode::Cancelled;
  }
  out.hvps = system.hvps();
  out.rhs = system.rhsCalls();
  out.state = State::of(*stepper);
  return out;
}

void krylovBasis(Checks& c) {
  LinearFlow flow(spectrum(), 7);
  const auto v = start();
  KrylovBasis::Product product = [&](const double* x, double* out) { flow.hessianTimes(x, out); };
  int calls = 0;
  KrylovBasis::Product throwing = [&](const double* x, double* out) {
    if (++calls == 4) throw Error(ErrorCode::Cancelled, "", "cancelled");
    flow.hessianTimes(x, out);
  };
  KrylovBasis plain, interrupted, other;
  plain.start(kN, v.data(), false, 20);
  interrupted.start(kN, v.data(), false, 20);
  for (int i = 0; i < 10; ++i) plain.extend(product);
  bool threw = false;
  for (int i = 0; i < 3; ++i) interrupted.extend(throwing);
  try {
    interrupted.extend(throwing);
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::Cancelled;
  }
  c.expect(threw && interrupted.size() == 3, "KrylovBasis: the throwing product left size %zu (3 expected)",
           interrupted.size());
  for (int i = 0; i < 7; ++i) interrupted.extend(product);
  std::vector<double> c1(10, 0.0), a(kN, 0.0), b(kN, 0.0);
  plain.phiCoefficients(1, 1e-4, 1.0, c1.data());
  plain.combine(c1.data(), a.data(), false);
  interrupted.phiCoefficients(1, 1e-4, 1.0, c1.data());
  interrupted.combine(c1.data(), b.data(), false);
  c.expect(sameBits(a.data(), b.data(), kN) && plain.beta() == interrupted.beta(),
           "KrylovBasis: extended after the interruption, the bits of the uninterrupted basis");
  // False case: a basis on a slightly different product differs.
  KrylovBasis::Product scaled = [&](const double* x, double* out) {
    flow.hessianTimes(x, out);
    for (std::size_t i = 0; i < kN; ++i) out[i] *= 1.0 + 1e-12;
  };
  other.start(kN, v.data(), false, 20);
  for (int i = 0; i < 10; ++i) other.extend(scaled);
  other.phiCoefficients(1, 1e-4, 1.0, c1.data());
  other.combine(c1.data(), b.data(), false);
  c.expect(!sameBits(a.data(), b.data(), kN), "KrylovBasis false case: a different product is caught");
}

void steppers(Checks& c) {
  for (Kind k : {Kind::Exprb43, Kind::Exprb32, Kind::Rkc}) {
    constexpr std::size_t steps = 40;
    const Reference ref = reference(k, steps, false);
    const Reference flagged = reference(k, steps, true);
    bool same = ref.states.size() == flagged.states.size() && ref.hvps == flagged.hvps && ref.rhs == flagged.rhs;
    for (std::size_t j = 0; same && j < ref.states.size(); ++j) same = ref.states[j] == flagged.states[j];
    c.expect(same, "%s: a set flag that is never raised changes no bit", name(k));
    // The step with the most products, interrupted at half of them (RKC's are its spectral
    // estimates, the first one cold); RKC also at half of its stages.
    std::size_t j = 0;
    for (std::size_t i = 0; i + 1 < ref.hvps.size(); ++i)
      if (ref.hvps[i + 1] - ref.hvps[i] > ref.hvps[j + 1] - ref.hvps[j]) j = i;
    const std::uint64_t products = ref.hvps[j + 1] - ref.hvps[j];
    const std::uint64_t trigger = ref.hvps[j] + products / 2;
    std::printf("%s: step %zu takes %llu products (and %llu right-hand sides); interrupted at product %llu\n", name(k),
                j, (unsigned long long)products, (unsigned long long)(ref.rhs[j + 1] - ref.rhs[j]),
                (unsigned long long)(trigger - ref.hvps[j]));
    if (products >= 2) {
      const Interrupted in = interrupt(k, j, trigger, 0, true);
      c.expect(in.threw, "%s: the step threw ErrorCode::Cancelled", name(k));
      c.expect(in.hvps == trigger, "%s: %llu products, none after the one that raised the flag (%llu)", name(k),
               (unsigned long long)in.hvps, (unsigned long long)trigger);
      c.expect(in.state == ref.states[j], "%s: the last accepted step kept bit for bit", name(k));
      const Interrupted notPassed = interrupt(k, j, trigger, 0, false);
      c.expect(!notPassed.threw && notPassed.state == ref.states[j + 1],
               "%s false case: without the flag the step completes (bitwise the reference)", name(k));
    } else {
      c.expect(false, "%s: no step with 2 products or more to interrupt", name(k));
    }
    if (k == Kind::Rkc) {
      // The stages: RKC's step is mostly right-hand sides.
      std::size_t js = 0;
      for (std::size_t i = 0; i + 1 < ref.rhs.size(); ++i)
        if (ref.rhs[i + 1] - ref.rhs[i] > ref.rhs[js + 1] - ref.rhs[js]) js = i;
      const std::uint64_t stages = ref.rhs[js + 1] - ref.rhs[js];
      const std::uint64_t at = ref.rhs[js] + stages / 2;
      std::printf("rkc: step %zu takes %llu right-hand sides; interrupted at %llu\n", js, (unsigned long long)stages,
                  (unsigned long long)(at - ref.rhs[js]));
      const Interrupted in = interrupt(k, js, 0, at, true);
      c.expect(stages >= 4 && in.threw && in.rhs == at && in.state == ref.states[js],
               "rkc: interrupted between stages (threw %d, %llu right-hand sides for %llu), state kept", in.threw,
               (unsigned long long)in.rhs, (unsigned long long)at);
      const Interrupted notPassed = interrupt(k, js, 0, at, false);
      c.expect(!notPassed.threw && notPassed.state == ref.states[js + 1],
               "rkc false case: without the flag the step completes");
    }
  }
}

// auto on Jacot's deep setting at width 20 over [0, 3]: RK45, the detector's estimates, exprb43.
void autoStepper(Checks& c) {
  setBlasThreads(1);
  TeacherData data = jacotTeacherData(10, 3, 100, 0, 0.2, true, 1.0, 0);
  Problem problem(NetworkSpec({10, 20, 20, 20, 10}, {}),
                  std::make_shared<MseLoss>(100, 10, 10, data.X.data(), data.Y.data()), 0.0);
  InitOptions io;
  io.scale = 0.01;
  io.seed = 1;
  const auto theta = initialize(problem.spec(), io);
  StiffOptions o;
  o.rtol = 1e-6;
  o.atol = 1e-9;
  const std::size_t P = theta.size();
  struct AutoState {
    std::vector<double> y;
    double t;
    std::uint64_t accepted, estimates, detectorHvps;
    bool stiff;
  };
  auto snapshot = [&](const AutoStepper& s) {
    return AutoState{std::vector<double>(s.y(), s.y() + P),
                     s.t(),
                     s.accepted(),
                     s.stats().spectralEstimates,
                     s.detectorHvps(),
                     s.stiffMode()};
  };
  // The reference run: the step that first runs an estimate in RK45 mode, and a step taken in
  // stiff mode after a stiff step.
  std::vector<AutoState> ref;
  std::size_t detect = 0, stiff = 0;
  {
    DlnHessianSystem system(problem);
    AutoStepper s(system, theta.data(), 0.0, 3.0, o);
    ref.push_back(snapshot(s));
    while (s.status() == AutoStepper::Status::Running && ref.size() < 4000) {
      const bool wasStiff = s.stiffMode();
      s.step();
      ref.push_back(snapshot(s));
      const std::size_t j = ref.size() - 2;  // the step just taken started from ref[j]
      if (!detect && !wasStiff && ref[j + 1].estimates > ref[j].estimates) detect = j;
      if (!stiff && wasStiff && ref[j + 1].stiff && j > 0 && ref[j].accepted > ref[j - 1].accepted) stiff = j;
    }
  }
  std::printf("auto: first estimate in RK45 mode at step %zu, a stiff step at %zu\n", detect, stiff);
  c.expect(detect > 0 && stiff > 0, "auto: the reference run estimates and switches");
  if (!(detect > 0 && stiff > 0)) return;
  auto run = [&](std::size_t j, bool pass, AutoState& after, bool& threw) {
    DlnHessianSystem system(problem);
    AutoStepper s(system, theta.data(), 0.0, 3.0, o);
    std::atomic<bool> flag{false};
    if (pass) s.setCancel(CancelFlag(&flag));
    for (std::size_t i = 0; i < j; ++i) s.step();
    flag.store(true);
    threw = false;
    try {
      s.step();
    } catch (const Error& e) {
      threw = e.code() == ErrorCode::Cancelled;
    }
    after = snapshot(s);
  };
  AutoState a;
  bool threw;
  run(detect, true, a, threw);
  c.expect(!threw && a.accepted == ref[detect + 1].accepted && a.t == ref[detect + 1].t &&
               sameBits(a.y.data(), ref[detect + 1].y.data(), P) && a.detectorHvps == ref[detect].detectorHvps,
           "auto: the interrupted estimate is dropped and the RK45 step returned (threw %d, %llu detector products "
           "instead of %llu)",
           threw, (unsigned long long)a.detectorHvps, (unsigned long long)ref[detect].detectorHvps);
  run(detect, false, a, threw);
  c.expect(!threw && a.detectorHvps > ref[detect].detectorHvps,
           "auto false case: without the flag the estimate runs its products");
  run(stiff, true, a, threw);
  c.expect(
      threw && a.accepted == ref[stiff].accepted && a.t == ref[stiff].t && sameBits(a.y.data(), ref[stiff].y.data(), P),
      "auto: an exprb43 step throws and keeps the last accepted step");
  run(stiff, false, a, threw);
  c.expect(!threw && a.accepted == ref[stiff + 1].accepted, "auto false case: without the flag the step completes");
}

}  // namespace

int main() {
  Checks c;
  krylovBasis(c);
  steppers(c);
  autoStepper(c);
  return c.finish("stiff_cancel_test");
}
