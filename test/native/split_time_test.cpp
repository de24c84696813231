// SplitTime (dopri5.hpp): the flow's time as an unevaluated sum base + offset, advanced exactly by
// every step, so that O(1) steps still move a time of 1e20 (where a plain double does not move).
#include <cmath>
#include <limits>

#include "check.hpp"
#include "dopri5.hpp"

using dln::SplitTime;

int main() {
  // 1. Small steps on a huge time: the plain double never moves, the split time keeps every step.
  {
    const double t0 = 1e20, h = 0.1;
    SplitTime t(t0);
    double plain = t0;
    for (int i = 0; i < 1000; ++i) {
      t.advance(h);
      plain += h;
    }
    // The steps accumulate in the offset exactly as a plain sum from 0 would (the base absorbs
    // nothing below half its ulp, 8192 here), so the elapsed time is that sum, bit for bit, and
    // within 1000 roundings of 100.
    double fromZero = 0.0;
    for (int i = 0; i < 1000; ++i) fromZero += h;
    CHECK_BITS(-t.until(t0), fromZero, "1000 steps of 0.1 after 1e20 are all kept");
    CHECK_NEAR(-t.until(t0), 100.0, 1000 * 2.3e-16 * 100, "elapsed time 100 to the sum's rounding");
    CHECK(plain == t0, "the plain double does not move (the case the split time exists for)");
    CHECK_NEAR(t.plus(-100.0) - t0, 0.0, 0.0, "plus(-elapsed) is back at t0 as a double");
    CHECK(t.value() == t0 + 100.0, "value() is the sum rounded once");
  }
  // 2. From 0: the exact sum of the doubles, rounded once, where naive summation drifts.
  {
    SplitTime t;
    double naive = 0.0;
    for (int i = 0; i < 10; ++i) {
      t.advance(0.1);
      naive += 0.1;
    }
    CHECK_BITS(t.value(), 1.0, "ten steps of 0.1 make 1 (the exact sum 1.0000000000000000555 rounds to 1)");
    CHECK(naive != 1.0, "naive summation gives 0.9999999999999999 (the test can tell them apart)");
  }
  // 3. Steps of mixed sizes: until() of the exact end point is 0 to the offset's rounding.
  {
    SplitTime t(3.0);
    long double exact = 3.0L;
    const double steps[] = {1e-17, 2.5e10, 3e-3, 1e-30, 7.0, 1e15, 0.125};
    for (double h : steps) {
      t.advance(h);
      exact += static_cast<long double>(h);
    }
    const double residual = static_cast<double>(static_cast<long double>(t.value()) - exact);
    CHECK(std::fabs(residual) <= 0.5 * std::fabs(std::nextafter(t.value(), INFINITY) - t.value()),
          "value() is within half an ulp of the exact sum");
  }
  // 4. plus/until are inverse: until(plus(s)) == s for offsets inside a step.
  {
    SplitTime t(1e6);
    t.advance(1e-9);
    for (double s : {0.0, 1e-12, 0.5, 3.25}) {
      // plus() rounds to a double near 1e6 (ulp 1.16e-10).
      CHECK_NEAR(t.until(t.plus(s)), s, 1.2e-10, "until(plus(s)) = s to the rounding of the absolute time");
    }
  }
  return check::done("split_time_test");
}
