// The process's memory limit and what counts against it, and size arithmetic that cannot overflow.
//
// The limit caps the native memory that dlnflow's work in flight holds at once, summed over every
// run, eigensolve, dense Hessian and call in the process (all threads and worker_threads: the
// memory is the process's). Work reserves the bytes it will hold before allocating them, with a
// MemoryReservation, and releases them when it frees them:
//   - a run reserves its working set (evaluator, integrator, result weights) when it starts, and
//     its trace as it grows (RunRecorder, driver.hpp); the trace's reservation stays with the
//     result until the result is handed over;
//   - the binding reserves the copies it makes (weights copied from JS, and the JS copies of
//     results) for as long as it holds them;
//   - an eigensolve reserves its basis (Lanczos) or its P x P matrices (dense) while it runs.
// A reservation that would take the total above the limit fails with ERR_DLN_MEMORY naming the
// field at fault, before anything is allocated: a request too big for the machine is an error,
// never an OOM kill. What JS holds once a result is handed over is the caller's memory; problem
// data is checked against what is free when a problem is built but not reserved.
//
// The default limit is half of the memory available to the process: physical memory, or the
// cgroup's limit when lower (cgroup v2 memory.max along the process's cgroup path, or v1
// memory.limit_in_bytes), read once. setMemoryLimit replaces it for the whole process; lowering it
// below what is reserved now makes new reservations fail until enough is released.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dln {

std::size_t memoryLimit();
void setMemoryLimit(std::size_t bytes);
// Bytes held by live reservations.
std::size_t memoryReserved();
// The default limit and what it is computed from (0 where unknown).
std::size_t defaultMemoryLimit();
std::size_t physicalMemory();
std::size_t cgroupMemoryLimit();

// Bytes reserved against the limit, released when the reservation is destroyed (or moved from).
class MemoryReservation {
 public:
  MemoryReservation() = default;
  // Reserves `bytes`, or throws ERR_DLN_MEMORY naming `field`.
  MemoryReservation(std::size_t bytes, const std::string& field) { grow(bytes, field); }
  MemoryReservation(MemoryReservation&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = 0; }
  MemoryReservation& operator=(MemoryReservation&& other) noexcept;
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;
  ~MemoryReservation() { release(); }

  // Adds `bytes`, or throws ERR_DLN_MEMORY naming `field` (the reservation is then unchanged).
  void grow(std::size_t bytes, const std::string& field);
  // Adds `bytes` if they fit; false (and unchanged) otherwise.
  bool tryGrow(std::size_t bytes);
  // Gives back `bytes` (at most what is held).
  void shrink(std::size_t bytes);
  void release() { shrink(bytes_); }
  // Takes over another reservation's bytes.
  void absorb(MemoryReservation&& other);
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t bytes_ = 0;
};

// Bytes of `count` doubles, or ERR_DLN_MEMORY naming `field` on overflow.
std::size_t doubleBytes(std::size_t count, const std::string& field);

// a * b, or an ERR_DLN_MEMORY error naming `field` if the product overflows.
std::size_t checkedMul(std::size_t a, std::size_t b, const std::string& field);
std::size_t checkedAdd(std::size_t a, std::size_t b, const std::string& field);

// Throws ERR_DLN_MEMORY naming `field` if `count` doubles do not fit in what is free now (the
// limit minus what is reserved): the check for buffers that are not reserved (short-lived, or
// owned by the caller).
void requireDoubles(std::size_t count, const std::string& field);

}  // namespace dln
