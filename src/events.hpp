// Events of a continuous run, with scipy's solve_ivp semantics: an event is a scalar function g of
// the state; it occurs where g crosses 0 in its direction (+1 rising, -1 falling, 0 either), and
// is located on the dense output of the step where it happened (brent.hpp). Two layers:
//   - the time-local part, for any one-step solver with dense output: eventActive (scipy's
//     find_active_events) and locateEvents;
//   - quantity events (FlowEventSpec, QuantityEvent): g = quantity - threshold for any scalar
//     recordable quantity (probes.hpp), which the gradient flow -- and every continuous driver
//     after it -- offers as stopping conditions (lossBelow, sharpnessAbove, ...).
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "brent.hpp"
#include "probes.hpp"
#include "trace.hpp"

namespace dln {

// An event's direction and whether it ends the run.
struct EventSpec {
  int direction = 0;
  bool terminal = false;
};

// scipy's find_active_events: (gOld <= 0 <= gNew) rising, (gOld >= 0 >= gNew) falling.
inline bool eventActive(double gOld, double gNew, int direction) {
  const bool up = gOld <= 0 && gNew >= 0;
  const bool down = gOld >= 0 && gNew <= 0;
  return direction > 0 ? up : direction < 0 ? down : (up || down);
}

// An event found on the last accepted step: which one, and its offset s in [0, h] from tOld.
struct EventHit {
  std::size_t event;
  double offset;
};

// Locates the active events of the solver's last accepted step (gOld, gNew: each event's g at the
// step's ends; valueAt(k, s, y) evaluates event k at the dense-output point y at offset s) by
// Brent's method in the local offset, with xtol = rtol = 4 eps. Returns them in time order, up to
// and including the first terminal one. `scratch` holds one state. Any one-step solver with dense
// output fits: it needs stepSize() (the last accepted step h), dimension(), and dense(s, out) for
// s in [0, h] (Dopri5 has them).
template <class Solver, class ValueAt>
std::vector<EventHit> locateEvents(Solver& solver, const std::vector<EventSpec>& events,
                                   const std::vector<double>& gOld, const std::vector<double>& gNew,
                                   std::vector<double>& scratch, ValueAt&& valueAt) {
  std::vector<EventHit> hits;
  const double h = solver.stepSize();
  constexpr double tol = 4 * std::numeric_limits<double>::epsilon();
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (!eventActive(gOld[k], gNew[k], events[k].direction)) continue;
    scratch.resize(solver.dimension());
    const double s = brentRoot(
        [&](double x) {
          solver.dense(x, scratch.data());
          return valueAt(k, x, scratch.data());
        },
        0.0, h, gOld[k], gNew[k], tol, tol);
    hits.push_back({k, s});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const EventHit& a, const EventHit& b) { return a.offset < b.offset; });
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (events[hits[i].event].terminal) {
      hits.resize(i + 1);
      break;
    }
  }
  return hits;
}

// A threshold on a scalar recordable quantity (probes.hpp), crossed downwards ("below") or
// upwards ("above"). It fires at t = 0 if the condition already holds there (as gradient
// descent's targets do), then at every crossing (scipy's event semantics).
struct FlowEventSpec {
  std::string quantity;  // e.g. "loss", "excessLoss", "gradNorm"
  double threshold = 0.0;
  bool above = false;
  bool terminal = true;
  std::string name;       // how the caller wrote it ("lossBelow", ...), for messages
  std::string field;      // where it came from ("events[0].lossBelow"), for errors
  std::size_t group = 0;  // index of the caller's event object
};

// An event's g = quantity - threshold, read through the quantity's probe into a scratch trace.
// Constructing one checks the quantity (ERR_DLN_VALUE on spec.field: unknown, or not a scalar).
class QuantityEvent {
 public:
  QuantityEvent(const FlowEventSpec& spec, const Problem& problem, const ProbeOptions& probeOptions);
  // g at the context's point (evaluated, gradient complete); a spectral quantity polls c.cancel.
  double operator()(ProbeContext& c);
  // +1 for "above" (rising through the threshold), -1 for "below".
  int direction() const { return spec_.above ? 1 : -1; }
  // The condition already holds (g on the far side of 0, or at it).
  bool holds(double g) const { return spec_.above ? g >= 0 : g <= 0; }

 private:
  const FlowEventSpec& spec_;
  std::unique_ptr<Probe> probe_;
  Trace scratch_;
};

}  // namespace dln
