#pragma once

namespace dln {

// How a run ended. Divergence is a result, not an error.
enum class RunStatus {
  Completed,  // used its whole budget (steps, or flow time)
  Converged,  // reached a loss or gradient-norm target
  Diverged,   // a non-finite loss or one above the ceiling
  Cancelled,  // the caller asked to stop
  Failed,     // the integrator could not continue (step size underflow)
};

inline const char* runStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::Completed: return "completed";
    case RunStatus::Converged: return "converged";
    case RunStatus::Diverged: return "diverged";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Failed: return "failed";
  }
  return "failed";
}

}  // namespace dln
