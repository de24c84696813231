// detLog (det_log.hpp, docs/algorithms.md §2.8) against a higher-precision log (x87's logl, 64-bit
// significand, where long double has one): within 1 ulp of the true value -- 0.58 ulp at most
// measured, correctly rounded on 99.86% -- on millions of inputs across the polar method's
// domain [2^-104, 1) (its own s values, log-uniform ones, the doubles next to 1) and across all
// positive normal doubles; the vectorized loop (detLogs) gives the scalar's bits. False case: a log
// one ulp off the reference is measured as more than 1 ulp off, so the bound can fail.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.hpp"
#include "det_log.hpp"
#include "rng.hpp"

namespace {

double fromBits(std::uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// The inputs: the polar method's first 2M accepted s (as Rng::normal forms them), 2M log-uniform
// in [2^-104, 1), the 1M doubles just below 1 and 1M just above, 1M random positive normal
// doubles, and the edges of the range reduction.
std::vector<double> inputs() {
  std::vector<double> x;
  dln::Rng rng(1, dln::Purpose::Data);
  while (x.size() < 2000000) {
    const double u = 2.0 * rng.uniform() - 1.0, v = 2.0 * rng.uniform() - 1.0, s = u * u + v * v;
    if (s < 1.0 && s != 0.0) x.push_back(s);
  }
  for (int i = 0; i < 2000000; ++i) {
    const std::uint64_t r = rng.next();
    const double m = fromBits((r & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);  // [1, 2)
    x.push_back(std::ldexp(m, -1 - static_cast<int>(rng.below(104))));
  }
  for (int i = 1; i <= 1000000; ++i) x.push_back(1.0 - i * 0x1p-53), x.push_back(1.0 + i * 0x1p-52);
  for (int i = 0; i < 1000000; ++i) x.push_back(fromBits(0x0010000000000000ULL + rng.below(0x7FE0000000000000ULL)));
  const double c = fromBits(0x3FE6A09E667F3BCDULL);  // the range reduction's split near sqrt(1/2)
  for (double e : {c, 2 * c, 0x1p-104, 0x1p-1022, DBL_MAX, 0.5, 1.0, 2.0, 0x1p-52})
    for (double d : {std::nextafter(e, 0.0), e, std::nextafter(e, 2 * e)})
      if (d >= DBL_MIN && d <= DBL_MAX) x.push_back(d);
  return x;
}

struct Errors {
  double maxUlps = 0.0, worstAt = 0.0;
  std::size_t rounded = 0, count = 0;
};

// |got - log x| in ulps of the double nearest log x.
template <class Log>
Errors measure(const std::vector<double>& x, Log log) {
  Errors e;
  for (double v : x) {
    const long double ref = logl(static_cast<long double>(v));
    const double near = static_cast<double>(ref);
    const double ulp = near == 0.0 ? DBL_TRUE_MIN : std::nextafter(std::fabs(near), INFINITY) - std::fabs(near);
    const double got = log(v);
    const double err = static_cast<double>(fabsl(static_cast<long double>(got) - ref) / ulp);
    if (err > e.maxUlps) e.maxUlps = err, e.worstAt = v;
    e.rounded += got == near;
    ++e.count;
  }
  return e;
}

}  // namespace

int main() {
  const std::vector<double> x = inputs();
  // The vectorized loop is the scalar, bit for bit.
  {
    std::vector<double> y(x.size());
    dln::detLogs(x.size(), x.data(), y.data());
    bool same = true;
    for (std::size_t i = 0; i < x.size(); ++i) same = same && check::sameBits(y[i], dln::detLog(x[i]));
    CHECK(same, "detLogs = detLog bit for bit on " + std::to_string(x.size()) + " inputs");
  }
  CHECK(check::sameBits(dln::detLog(1.0), 0.0), "log 1 = +0");
#if LDBL_MANT_DIG >= 64
  const Errors e = measure(x, [](double v) { return dln::detLog(v); });
  const double fraction = static_cast<double>(e.rounded) / static_cast<double>(e.count);
  char text[200];
  std::snprintf(text, sizeof text, "max %.4f ulp (at %a), correctly rounded %.5f of %zu", e.maxUlps, e.worstAt,
                fraction, e.count);
  std::printf("det_log_test: %s\n", text);
  CHECK(e.maxUlps < 0.6, std::string("within 0.6 ulp of logl: ") + text);
  CHECK(fraction > 0.998, std::string("correctly rounded on more than 99.8%: ") + text);
  // Of the polar method's domain alone (the first 4M inputs: its s values and the log-uniform ones).
  const Errors polar =
      measure(std::vector<double>(x.begin(), x.begin() + 4000000), [](double v) { return dln::detLog(v); });
  CHECK(polar.maxUlps < 0.6, "within 0.6 ulp on the polar method's domain");
  // False case: a log one ulp away from the nearest double is measured as more than 1 ulp off.
  const Errors off = measure(x, [](double v) {
    const double near = static_cast<double>(logl(static_cast<long double>(v)));
    return std::nextafter(near, near < 0 ? -INFINITY : INFINITY);
  });
  CHECK(off.maxUlps > 1.0 && off.rounded == 0, "false case: a log one ulp off fails the bound");
#else
  std::printf("det_log_test: no long double wider than double here, the accuracy checks are skipped\n");
#endif
  return check::done("det_log_test");
}
