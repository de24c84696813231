#include "driver.hpp"

#include <algorithm>

#include "error.hpp"

namespace dln {

RunRecorder::RunRecorder(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options,
                         Trace& trace, CancelFlag cancel, const std::vector<std::string>& extras)
    : trace_(trace), cancel_(cancel), extraCount_(extras.size()) {
  stepColumn_ = trace.declare("step");
  timeColumn_ = trace.declare("time");
  const std::vector<std::string> asked = names.empty() ? defaultQuantities(problem) : names;
  std::vector<std::string> seen;
  bool spectralMade = false;
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
    } else {
      probe = makeProbe(name, problem, options);
    }
    probe->declare(trace);
    items_.push_back({std::move(probe), 0, 0});
  }
}

void RunRecorder::check(const Problem& problem, const std::vector<std::string>& names, const ProbeOptions& options,
                        const std::vector<std::string>& extras) {
  Trace scratch;
  RunRecorder recorder(problem, names, options, scratch, {}, extras);
}

void RunRecorder::reserve(std::size_t rows) { trace_.reserve(rows); }

void RunRecorder::row(ProbeContext c, std::initializer_list<double> extras) {
  if (extras.size() != extraCount_) fail(ErrorCode::Internal, "record", "a row needs one value per extra column");
  c.cancel = cancel_;
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
