// The memory limit (memory.hpp): reservations add up across threads and never pass the limit,
// moves transfer them, and a run's trace stops growing at the limit with ERR_DLN_MEMORY on
// "recordEvery" while the rows recorded stay whole.
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "check.hpp"
#include "driver.hpp"
#include "gd.hpp"
#include "losses/regression.hpp"
#include "memory.hpp"

int main() {
  const std::size_t base = dln::memoryReserved();
  CHECK(dln::memoryLimit() == dln::defaultMemoryLimit(), "the default applies until set");
  const std::size_t physical = dln::physicalMemory(), cgroup = dln::cgroupMemoryLimit();
  const std::size_t available = cgroup > 0 && cgroup < physical ? cgroup : physical;
  CHECK(dln::defaultMemoryLimit() == available / 2, "default: half of physical memory or the cgroup's limit");

  dln::setMemoryLimit(base + 1000);
  {
    dln::MemoryReservation a(600, "a");
    CHECK(dln::memoryReserved() == base + 600, "a reservation counts");
    CHECK_THROWS(dln::MemoryReservation(500, "b"), dln::ErrorCode::Memory, "600 + 500 > 1000: refused");
    CHECK(dln::memoryReserved() == base + 600, "a refused reservation holds nothing");
    dln::MemoryReservation b(400, "b");
    CHECK(!b.tryGrow(1), "exactly at the limit: nothing more");
    CHECK_THROWS(dln::requireDoubles(1, "x"), dln::ErrorCode::Memory, "requireDoubles checks what is free");
    dln::MemoryReservation moved(std::move(a));
    CHECK(a.bytes() == 0 && moved.bytes() == 600 && dln::memoryReserved() == base + 1000, "a move transfers");
    moved.shrink(100);
    CHECK(dln::memoryReserved() == base + 900, "shrink gives back");
    b.absorb(std::move(moved));
    CHECK(b.bytes() == 900 && dln::memoryReserved() == base + 900, "absorb keeps the total");
  }
  CHECK(dln::memoryReserved() == base, "everything is released at scope exit");
  CHECK_THROWS(dln::checkedMul(std::size_t(1) << 40, std::size_t(1) << 40, "n"), dln::ErrorCode::Memory, "overflow");

  // Threads racing for the last bytes never take the total above the limit.
  {
    dln::setMemoryLimit(base + 64 * 1000);
    std::atomic<std::size_t> granted{0};
    std::atomic<bool> over{false};
    std::atomic<int> finished{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        std::vector<dln::MemoryReservation> held;
        for (int i = 0; i < 100; ++i) {
          dln::MemoryReservation r;
          if (r.tryGrow(1000)) {
            granted += 1000;
            held.push_back(std::move(r));
          }
          if (dln::memoryReserved() > dln::memoryLimit()) over = true;
        }
        // Hold everything until every thread has made its attempts: a thread that released early
        // (its siblings not yet started, on a loaded machine) would let the total granted pass the limit.
        ++finished;
        while (finished.load() < 4) std::this_thread::yield();
      });
    }
    for (auto& t : threads) t.join();
    CHECK(granted == 64 * 1000, "exactly the limit was granted, in total");
    CHECK(!over, "never above the limit");
    CHECK(dln::memoryReserved() == base, "all released");
  }

  // A run whose trace would pass the limit: ERR_DLN_MEMORY on recordEvery, nothing left reserved.
  {
    const std::vector<double> X = {1.0, 0.5, -0.3, 2.0, 0.7, 0.1}, y = {1.0, -0.5, 0.3};
    auto loss = std::make_shared<dln::RegressionLoss>(3, 2, X.data(), y.data());
    dln::Problem problem(dln::NetworkSpec({2, 3, 1}, {}), loss);
    std::vector<double> theta(problem.spec().paramCount(), 0.1);
    dln::setMemoryLimit(base + (std::size_t(1) << 20));  // 1 MiB
    dln::GdOptions o;
    o.learningRate = 0.01;
    o.maxSteps = 1000000;
    o.recordEvery = 1;
    o.record = {"loss"};
    dln::RunControl control;
    bool threw = false;
    try {
      dln::gradientDescent(problem, theta, o, control);
    } catch (const dln::Error& e) {
      threw = e.code() == dln::ErrorCode::Memory && e.field() == "recordEvery";
    }
    CHECK(threw, "1M rows of 24 bytes do not fit in 1 MiB: ERR_DLN_MEMORY on recordEvery");
    CHECK(dln::memoryReserved() == base, "the failed run released everything");
    o.maxSteps = 10000;  // 240 KB of trace: fits (growing by half, old and new buffers together)
    const dln::GdResult r = dln::gradientDescent(problem, theta, o, control);
    CHECK(r.trace.rows() == 10001, "a trace that fits is recorded whole");
    CHECK(r.memory.bytes() >= r.trace.rows() * 24 && dln::memoryReserved() == base + r.memory.bytes(),
          "the result holds the trace's reservation");
  }
  CHECK(dln::memoryReserved() == base, "and gives it back when released");
  dln::setMemoryLimit(dln::defaultMemoryLimit());
  return check::done("memory_test");
}
