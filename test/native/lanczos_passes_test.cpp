// The Lanczos process's vector passes (lanczos_passes/passes.hpp): every copy this CPU runs gives
// the bits of a plain reference written here from the documented order (entry i into chain
// i mod 16, the tail too, chains combined pairwise; element-wise operations in source order), for
// lengths around the sixteen-entry blocks, magnitudes spread over many binades, signed zeros and
// row counts around the groups of four. False cases: the reference summed in eight or four chains
// (dot4's order) differs, so the comparison sees an order change; a copy compared against another
// length's reference differs.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "check.hpp"
#include "fixed_order_sums.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "lanczos_passes/passes.hpp"

namespace {

using dln::lanczos_passes::kChains;
using dln::lanczos_passes::Passes;

// The documented order with `chains` chains (16: the passes' order).
double refDot(std::size_t n, const double* x, const double* y, std::size_t chains = kChains) {
  std::vector<double> s(chains, 0.0);
  for (std::size_t i = 0; i < n; ++i) s[i % chains] += x[i] * y[i];
  while (s.size() > 1) {  // pairwise: (s0 + s1), (s2 + s3), ... then again
    std::vector<double> t(s.size() / 2);
    for (std::size_t k = 0; k < t.size(); ++k) t[k] = s[2 * k] + s[2 * k + 1];
    s = t;
  }
  return s[0];
}

struct Lcg {
  std::uint64_t state;
  double next() {  // magnitudes over 2^-20 .. 2^20, both signs
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) * 0x1p-53;
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const int e = static_cast<int>((state >> 40) % 41) - 20;
    return std::ldexp((state >> 63) ? -u : u, e);
  }
};

std::vector<double> randomVector(Lcg& g, std::size_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = g.next();
  return v;
}

bool sameVector(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!check::sameBits(a[i], b[i])) return false;
  return true;
}

void checkCopy(const Passes& p, const std::string& at) {
  Lcg g{12345};
  const std::size_t lengths[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 23, 31, 32, 33, 47, 100, 229, 230, 231, 1000};
  bool dots = true, squares = true, rec = true, added = true, scaled = true, removed = true;
  for (std::size_t n : lengths) {
    for (int trial = 0; trial < 4; ++trial) {
      const auto x = randomVector(g, n), y = randomVector(g, n), q = randomVector(g, n), r = randomVector(g, n);
      const double a = g.next(), b = trial == 0 ? 0.0 : g.next();
      dots = dots && check::sameBits(p.dot(n, x.data(), y.data()), refDot(n, x.data(), y.data()));
      squares = squares && check::sameBits(p.sumOfSquares(n, x.data()), refDot(n, x.data(), x.data()));
      // recurrence: w = (w - a q) - b r
      auto w = x, want = x;
      for (std::size_t i = 0; i < n; ++i) want[i] = (x[i] - a * q[i]) - b * r[i];
      const double got = p.recurrence(n, w.data(), q.data(), a, r.data(), b);
      rec = rec && sameVector(w, want) && check::sameBits(got, refDot(n, want.data(), want.data()));
      // addScaled: q = v + scale q
      auto z = q, zWant = q;
      for (std::size_t i = 0; i < n; ++i) zWant[i] = x[i] + a * q[i];
      const double zs = p.addScaled(n, x.data(), a, z.data());
      added = added && sameVector(z, zWant) && check::sameBits(zs, refDot(n, zWant.data(), zWant.data()));
      // scale, in place and into another buffer
      std::vector<double> out(n), inPlace = x, sWant(n);
      for (std::size_t i = 0; i < n; ++i) sWant[i] = x[i] * a;
      p.scale(n, x.data(), a, out.data());
      p.scale(n, inPlace.data(), a, inPlace.data());
      scaled = scaled && sameVector(out, sWant) && sameVector(inPlace, sWant);
      auto u = x, uWant = x;
      for (std::size_t i = 0; i < n; ++i) uWant[i] = x[i] - a * y[i];
      p.removeAlong(n, a, y.data(), u.data());
      removed = removed && sameVector(u, uWant);
    }
  }
  CHECK(dots, "dot in the documented order" + at);
  CHECK(squares, "sumOfSquares in the documented order" + at);
  CHECK(rec, "recurrence: the update and its sum of squares" + at);
  CHECK(added, "addScaled: the update and its sum of squares" + at);
  CHECK(scaled, "scale (in place and not)" + at);
  CHECK(removed, "removeAlong" + at);

  // Signed zeros: (-0 - 0 q) - 0 p keeps the sign the reference's operations give.
  {
    const std::vector<double> q = {1.0, -1.0, 0.0, -0.0}, r = {-1.0, 1.0, -0.0, 0.0};
    bool zeros = true;
    for (double a : {0.0, -0.0})
      for (double b : {0.0, -0.0}) {
        std::vector<double> w = {-0.0, 0.0, -0.0, 0.0}, want(4);
        for (std::size_t i = 0; i < 4; ++i) want[i] = (w[i] - a * q[i]) - b * r[i];
        p.recurrence(4, w.data(), q.data(), a, r.data(), b);
        zeros = zeros && sameVector(w, want);
      }
    CHECK(zeros, "recurrence keeps the signs of zeros" + at);
  }

  // The basis loops: m rows of n, m around the groups of four.
  bool proj = true, sub = true, comb = true;
  for (std::size_t n : {1, 5, 16, 17, 230}) {
    for (std::size_t m = 1; m <= 9; ++m) {
      const auto Q = randomVector(g, m * n), w = randomVector(g, n), c = randomVector(g, m);
      std::vector<double> got(m);
      p.project(n, m, Q.data(), w.data(), got.data());
      for (std::size_t i = 0; i < m; ++i) proj = proj && check::sameBits(got[i], refDot(n, Q.data() + i * n, w.data()));
      auto ws = w, wsWant = w;
      std::size_t i = 0;
      for (; i + 4 <= m; i += 4)
        for (std::size_t j = 0; j < n; ++j) {
          const double* R = Q.data() + i * n;
          wsWant[j] -= (c[i] * R[j] + c[i + 1] * R[n + j]) + (c[i + 2] * R[2 * n + j] + c[i + 3] * R[3 * n + j]);
        }
      for (; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) wsWant[j] -= c[i] * Q[i * n + j];
      p.subtract(n, m, Q.data(), c.data(), ws.data());
      sub = sub && sameVector(ws, wsWant);
      std::vector<double> y(n), yWant(n);
      std::size_t k = 0;
      if (m >= 4) {
        for (std::size_t j = 0; j < n; ++j)
          yWant[j] = (c[0] * Q[j] + c[1] * Q[n + j]) + (c[2] * Q[2 * n + j] + c[3] * Q[3 * n + j]);
        k = 4;
      } else {
        for (std::size_t j = 0; j < n; ++j) yWant[j] = c[0] * Q[j];
        k = 1;
      }
      for (; k + 4 <= m; k += 4)
        for (std::size_t j = 0; j < n; ++j) {
          const double* R = Q.data() + k * n;
          yWant[j] += (c[k] * R[j] + c[k + 1] * R[n + j]) + (c[k + 2] * R[2 * n + j] + c[k + 3] * R[3 * n + j]);
        }
      for (; k < m; ++k)
        for (std::size_t j = 0; j < n; ++j) yWant[j] += c[k] * Q[k * n + j];
      p.combine(n, m, Q.data(), c.data(), y.data());
      comb = comb && sameVector(y, yWant);
    }
  }
  CHECK(proj, "project: each row's dot in the documented order" + at);
  CHECK(sub, "subtract: groups of four, then single rows" + at);
  CHECK(comb, "combine: groups of four, then single rows" + at);

  // uniforms: the sequential SplitMix64 stream (state += golden per draw), two values per draw.
  {
    bool same = true, inRange = true;
    int moved = 0;
    for (std::uint64_t seed : {0ULL, 1ULL, 0x0123456789ABCDEFULL, ~0ULL})
      for (std::size_t n : {0, 1, 2, 3, 15, 16, 17, 229, 230}) {
        std::vector<double> got(n), want(n), other(n);
        std::uint64_t state = seed;
        auto draw = [&state]() {
          std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
          z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
          z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
          return z ^ (z >> 31);
        };
        auto value = [](std::uint32_t bits) {
          return static_cast<double>(static_cast<std::int32_t>(bits)) / 2147483648.0;
        };
        for (std::size_t i = 0; i < n; i += 2) {
          const std::uint64_t x = draw();
          want[i] = value(static_cast<std::uint32_t>(x >> 32));
          if (i + 1 < n) want[i + 1] = value(static_cast<std::uint32_t>(x));
        }
        p.uniforms(seed, n, got.data());
        p.uniforms(seed + 1, n, other.data());
        same = same && sameVector(got, want);
        for (double v : got) inRange = inRange && v >= -1.0 && v < 1.0;
        moved += n > 0 && !sameVector(got, other);
      }
    CHECK(same, "uniforms: the sequential SplitMix64 stream" + at);
    CHECK(inRange, "uniforms in [-1, 1)" + at);
    CHECK(moved == 4 * 8, "false case: the next seed gives other values" + at);
  }

  // False cases: another order is seen. Over P = 230 entries of spread magnitudes, eight chains,
  // dot4's four and another length's reference each differ from the passes' dot somewhere.
  int eight = 0, four = 0, shorter = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const auto x = randomVector(g, 230), y = randomVector(g, 230);
    const double d = p.dot(230, x.data(), y.data());
    eight += !check::sameBits(d, refDot(230, x.data(), y.data(), 8));
    four += !check::sameBits(d, dln::dot4(230, x.data(), y.data()));
    shorter += !check::sameBits(d, refDot(229, x.data(), y.data()));
  }
  CHECK(eight > 0, "false case: eight chains give other bits" + at);
  CHECK(four > 0, "false case: dot4's four chains give other bits" + at);
  CHECK(shorter > 0, "false case: one entry less gives other bits" + at);
}

}  // namespace

int main() {
  int copies = 0;
  for (int level = 0; level < dln::cpu::kLevelCount; ++level) {
    const auto l = static_cast<dln::cpu::Level>(level);
    if (!dln::lanczos_passes::kPasses[level] || !dln::cpu::supported(l)) continue;
    checkCopy(*dln::lanczos_passes::kPasses[level], std::string(" (") + dln::cpu::name(l) + " copy)");
    ++copies;
  }
  CHECK(copies >= 1, "the baseline copy runs");
  // The process uses the widest copy the CPU runs.
  int widest = 0;
  for (int level = 0; level < dln::cpu::kLevelCount; ++level)
    if (dln::lanczos_passes::kPasses[level] && dln::cpu::supported(static_cast<dln::cpu::Level>(level))) widest = level;
  CHECK(&dln::lanczos_passes::passes() == dln::lanczos_passes::kPasses[widest], "passes() is the widest copy");
  std::printf("lanczos_passes: %d copies checked\n", copies);
  return check::done("lanczos_passes");
}
