#include "driver.hpp"

#include <algorithm>
#include <limits>

#include "error.hpp"
#include "orbit.hpp"

namespace dln {

RunRecorder::RunRecorder(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options,
                         Trace& trace, CancelFlag cancel, const std::vector<std::string>& extras)
    : trace_(trace), cancel_(cancel), extraCount_(extras.size()) {
  stepColumn_ = trace.declare("step");
  timeColumn_ = trace.declare("time");
  const std::vector<std::string> asked = names.empty() ? defaultQuantities(problem) : names;
  std::vector<std::string> seen;
  bool spectralMade = false, orbitMade = false;
  for (const auto& name : asked) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    const auto extra = std::find(extras.begin(), extras.end(), name);
    if (extra != extras.end()) {
      items_.push_back({nullptr, trace.declare(name), static_cast<std::size_t>(extra - extras.begin())});
      continue;
    }
    std::unique_ptr<Probe> probe;
    if (isSpectralQuantity(name)) {
      // One eigensolve per row for all the spectral columns, placed where the first is.
      if (spectralMade) continue;
      spectralMade = true;
      probe = makeSpectralProbe(asked, problem, options);
    } else if (isOrbitQuantity(name)) {
      // One gradient-descent window per row for all the orbit columns (orbit.hpp).
      if (orbitMade) continue;
      orbitMade = true;
      probe = makeOrbitProbe(asked, problem, options);
    } else {
      probe = makeProbe(name, problem, options);
    }
    probe->declare(trace);
    items_.push_back({std::move(probe), 0, 0});
  }
  for (const auto& c : trace.columns()) rowBytes_ = checkedAdd(rowBytes_, doubleBytes(c.width, "record"), "record");
}

void RunRecorder::check(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options,
                        const std::vector<std::string>& extras) {
  Trace scratch;
  RunRecorder recorder(problem, names, options, scratch, {}, extras);
}

void RunRecorder::reserve(std::size_t rows) {
  if (rows > capacity_ && rows <= std::numeric_limits<std::size_t>::max() / std::max<std::size_t>(rowBytes_, 1))
    tryCapacity(rows);
}

bool RunRecorder::tryCapacity(std::size_t rows) {
  // While the columns move to their new buffers the old ones are still held: reserve both, then
  // give back the old.
  const std::size_t oldBytes = memory_.bytes();
  if (!memory_.tryGrow(rows * rowBytes_)) return false;
  trace_.reserve(rows);
  memory_.shrink(oldBytes);
  capacity_ = rows;
  return true;
}

void RunRecorder::grow() {
  const std::size_t wanted = std::max<std::size_t>(capacity_ + capacity_ / 2, 16);
  if (wanted <= std::numeric_limits<std::size_t>::max() / std::max<std::size_t>(rowBytes_, 1) && tryCapacity(wanted))
    return;
  // Near the limit: as many rows as still fit next to the old buffers.
  const std::size_t limit = memoryLimit(), held = memoryReserved();
  const std::size_t fit = held < limit ? (limit - held) / std::max<std::size_t>(rowBytes_, 1) : 0;
  if (fit > rows_ && tryCapacity(std::min(fit, wanted))) return;
  fail(ErrorCode::Memory, "recordEvery",
       "the trace would pass the memory limit at row " + std::to_string(rows_ + 1) + " (" + std::to_string(rowBytes_) +
           " bytes per row; " + std::to_string(held) + " of " + std::to_string(limit) +
           " bytes held): record less often or fewer quantities, or raise the limit with setMemoryLimit");
}

void RunRecorder::row(ProbeContext c, std::initializer_list<double> extras) {
  if (extras.size() != extraCount_) fail(ErrorCode::Internal, "record", "a row needs one value per extra column");
  c.cancel = cancel_;
  if (rows_ == capacity_) grow();
  try {
    trace_.push(stepColumn_, static_cast<double>(c.step));
    trace_.push(timeColumn_, c.time);
    for (auto& item : items_) {
      if (item.probe) {
        item.probe->record(c, trace_);
      } else {
        trace_.push(item.column, extras.begin()[item.extra]);
      }
    }
  } catch (...) {
    trace_.truncateRows(rows_);
    throw;
  }
  ++rows_;
  lastStep_ = c.step;
  lastTime_ = c.time;
  any_ = true;
}

void DivergenceGuard::validate(double ceiling) {
  if (!std::isnan(ceiling) && !(ceiling > 0)) fail(ErrorCode::Value, "lossCeiling", "must be > 0");
}

}  // namespace dln
