// Runtime CPU dispatch: which instruction-set level the hot kernels run at (docs/algorithms.md
// §4.9). The portable binary is built for the baseline ISA (x86-64 / arm64); kernels that
// gain from wider vectors and FMA are compiled once more per level in their own translation units
// (files named *_avx2.cpp and *_avx512.cpp anywhere under src/ get that level's flags from
// CMakeLists.txt) and chosen at run time through a table per level.
//
// Invariants:
// - One level for the whole process, set before any run starts (the addon resolves it when it
//   loads, from DLNFLOW_CPU; default baseline, see below). Every thread runs the same code, so
//   results are bit-identical across threads and shards at a given level.
// - The default is baseline, not the best level: results then do not depend on which machine a
//   run lands on, and paths that promise equal bits (e.g. flow method auto against rk45, which
//   mix dispatched and non-dispatched arithmetic) keep them; at the papers' widths (d = 5, a
//   latency-bound chain) the wider levels measured no faster (scripts/bench/gd.js). DLNFLOW_CPU=best
//   picks the highest supported level.
// - Levels differ in rounding (FMA contraction, vector width of reductions): the level is part of a
//   run's identity, recorded in run metadata. The baseline level is bitwise the pre-dispatch code.
// - A level is usable only when its kernels are compiled in (x86-64 with GCC or Clang) and the CPU
//   (and OS) support it; asking for anything else is an ERR_DLN_VALUE, never a crash or a silent
//   fallback.
#pragma once

namespace dln::cpu {

enum class Level : int { Baseline = 0, Avx2 = 1, Avx512 = 2 };
constexpr int kLevelCount = 3;

// "baseline", "avx2", "avx512".
const char* name(Level level);
// Parses a name as above; false for anything else.
bool parse(const char* text, Level* out);
// The level's kernels are in this binary (x86-64 builds with GCC or Clang).
bool compiled(Level level);
// Compiled and runnable on this CPU and OS.
bool supported(Level level);
// The highest supported level (DLNFLOW_CPU=best).
Level best();

// The level in use (a relaxed atomic load; cheap enough per kernel call, but hot loops may cache
// it, or the table derived from it, for the length of a run). Baseline until set.
Level active();
// Sets the level in use; throws dln::Error (ERR_DLN_VALUE, naming `field`) when it is not
// supported. Not meant to change while runs are in flight (set it at start-up, or between runs
// in tests and benchmarks).
void setActive(Level level, const char* field = "cpuLevel");
// Sets the level from the text of DLNFLOW_CPU: unset or empty selects baseline, "best" selects
// best(); otherwise it must name a supported level (ERR_DLN_VALUE naming DLNFLOW_CPU, saying what
// this CPU supports).
void configure(const char* text);
void configureFromEnvironment();  // configure(getenv("DLNFLOW_CPU"))

// Picks the entry of a per-level table for the active level: table[active()], which must be
// non-null for every supported level. Typical use, one table per kernel family:
//   extern const ChainKernels* const kChainKernels[cpu::kLevelCount];  // null where not compiled
//   const ChainKernels& k = *cpu::select(kChainKernels);
template <class T>
inline T select(T const (&table)[kLevelCount]) {
  return table[static_cast<int>(active())];
}

}  // namespace dln::cpu
