// The lanes' start vectors drawn together (lanes/lane_normals.hpp): lane k's values in the
// structure-of-arrays layout are Rng(keys[k]).normals' bit for bit, for every subset of wanted
// lanes (the others untouched), lengths odd and even around the chunk of 64 pairs, at every CPU
// level this machine supports (the copies differ in vector width only); false cases: a key moved
// by one, lanes swapped, a stream one draw ahead.
#include <cstdint>
#include <string>
#include <vector>

#include "check.hpp"
#include "kernels/cpu_dispatch.hpp"
#include "lanes/lane_normals.hpp"
#include "lanes/lane_table.hpp"
#include "rng.hpp"

namespace {

using dln::lanes::kLanes;

std::uint64_t keyOf(std::uint64_t seed, std::uint64_t lane) {
  return dln::streamKey(seed, dln::Purpose::Eigensolver, {1000000 + lane, 1});
}

// Lane k of out equals Rng(keys[k]).normals(n) where wanted, and `fill` elsewhere.
bool lanesEqualSingles(const std::uint64_t* keys, const bool* want, std::size_t n, const std::vector<double>& out,
                       double fill) {
  std::vector<double> one(n);
  bool same = true;
  for (std::size_t k = 0; k < kLanes; ++k) {
    dln::Rng rng(keys[k]);
    rng.normals(n, one.data());
    for (std::size_t i = 0; i < n; ++i) same = same && check::sameBits(out[i * kLanes + k], want[k] ? one[i] : fill);
  }
  return same;
}

}  // namespace

void checkLevel(const char* level) {
  const std::string at = std::string(" at ") + level;
  const std::size_t lengths[] = {0, 1, 2, 3, 127, 128, 129, 130, 230, 231, 1001};
  // Every lane wanted, many seeds and lengths.
  {
    bool same = true;
    std::size_t cases = 0;
    for (std::uint64_t seed = 0; seed < 40; ++seed)
      for (std::size_t n : lengths) {
        std::uint64_t keys[kLanes];
        bool want[kLanes];
        for (std::size_t k = 0; k < kLanes; ++k) keys[k] = keyOf(seed, k), want[k] = true;
        std::vector<double> out(n * kLanes, -7.0);
        dln::lanes::drawNormals(keys, want, n, out.data());
        same = same && lanesEqualSingles(keys, want, n, out, -7.0);
        ++cases;
      }
    CHECK(same && cases == 40 * 11,
          "every lane's draws equal its single Rng::normals draws (40 seeds x 11 lengths)" + at);
  }
  // Every subset of wanted lanes (up to 256 of them): the others' values untouched, their keys
  // unread (garbage keys there), the wanted lanes' draws unchanged by who else draws.
  {
    bool same = true;
    const std::size_t subsets = kLanes >= 8 ? 256 : (std::size_t{1} << kLanes);
    for (std::size_t mask = 0; mask < subsets; ++mask)
      for (std::size_t n : {std::size_t{129}, std::size_t{230}}) {
        std::uint64_t keys[kLanes];
        bool want[kLanes];
        for (std::size_t k = 0; k < kLanes; ++k) {
          want[k] = (mask >> (k % 8)) & 1;
          keys[k] = want[k] ? keyOf(mask, k) : 0xDEADBEEFULL * (k + 1);
        }
        std::vector<double> out(n * kLanes, -7.0);
        dln::lanes::drawNormals(keys, want, n, out.data());
        same = same && lanesEqualSingles(keys, want, n, out, -7.0);
      }
    CHECK(same, "any subset of lanes: wanted lanes equal their singles, the others untouched" + at);
  }
  // False cases: a lane's key moved by one, and two lanes' keys swapped, change that lane's values.
  {
    std::uint64_t keys[kLanes];
    bool want[kLanes];
    for (std::size_t k = 0; k < kLanes; ++k) keys[k] = keyOf(3, k), want[k] = true;
    const std::size_t n = 230;
    std::vector<double> out(n * kLanes);
    dln::lanes::drawNormals(keys, want, n, out.data());
    std::uint64_t moved[kLanes], swapped[kLanes];
    for (std::size_t k = 0; k < kLanes; ++k) moved[k] = keys[k], swapped[k] = keys[k];
    moved[1] += 1;
    swapped[0] = keys[1], swapped[1] = keys[0];
    CHECK(lanesEqualSingles(keys, want, n, out, 0.0), "the reference case holds" + at);
    CHECK(!lanesEqualSingles(moved, want, n, out, 0.0), "a key moved by one differs" + at);
    CHECK(!lanesEqualSingles(swapped, want, n, out, 0.0), "swapped lanes differ" + at);
    // One draw ahead in one lane (its single stream shifted by a normal) differs.
    dln::Rng ahead(keys[2]);
    ahead.normal();
    std::vector<double> one(n);
    ahead.normals(n, one.data());
    bool shifted = true;
    for (std::size_t i = 0; i < n; ++i) shifted = shifted && check::sameBits(out[i * kLanes + 2], one[i]);
    CHECK(!shifted, "a stream one draw ahead differs" + at);
  }
}

int main() {
  // The draws run on the lanes' instruction set (lanes::laneIsa(), the widest the CPU has at every
  // level): each copy is checked by capping the lanes to it.
  std::size_t levels = 0;
  dln::cpu::setActive(dln::cpu::Level::Baseline);
  for (int l = 0; l < dln::lanes::kIsaCount; ++l) {
    if (!dln::cpu::supported(static_cast<dln::cpu::Level>(l))) continue;
    dln::lanes::capLaneIsa(static_cast<dln::lanes::Isa>(l));
    CHECK(static_cast<int>(dln::lanes::laneIsa()) == l, "the cap selects the copy");
    checkLevel(dln::lanes::isaName(dln::lanes::laneIsa()));
    ++levels;
  }
  dln::lanes::capLaneIsa(static_cast<dln::lanes::Isa>(dln::lanes::kIsaCount - 1));
  CHECK(levels >= 1, "at least the baseline copy ran");
  return check::done("lane_normals_test");
}
