// A minimal harness for the native unit tests (test/native/*_test.cpp, run by CTest through
// `npm run test:native`). Each test file is a program: checks print what failed with the file and
// line, and main() returns check::done("name"), nonzero when any check failed.
//
//   CHECK(cond, "what")                    a condition
//   CHECK_NEAR(got, want, tol, "what")     |got - want| <= tol (NaN fails)
//   CHECK_REL(got, want, rel, "what")      |got - want| <= rel |want|
//   CHECK_BITS(got, want, "what")          the same double, bit for bit
//   CHECK_THROWS(code, ErrorCode, "what")  the statement throws dln::Error with that code
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "error.hpp"

namespace check {

inline int& failures() {
  static int count = 0;
  return count;
}
inline int& checks() {
  static int count = 0;
  return count;
}

inline bool report(bool ok, const char* file, int line, const std::string& what, const std::string& detail = "") {
  ++checks();
  if (!ok) {
    ++failures();
    std::fprintf(stderr, "%s:%d: FAILED %s%s%s\n", file, line, what.c_str(), detail.empty() ? "" : ": ",
                 detail.c_str());
  }
  return ok;
}

inline std::string numbers(double got, double want) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "got %.17g, want %.17g", got, want);
  return buf;
}

inline bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Prints the summary; the program's exit status.
inline int done(const char* name) {
  if (failures() > 0) {
    std::fprintf(stderr, "%s: %d of %d checks failed\n", name, failures(), checks());
    return 1;
  }
  std::printf("%s: %d checks passed\n", name, checks());
  return 0;
}

}  // namespace check

#define CHECK(cond, what) ::check::report(static_cast<bool>(cond), __FILE__, __LINE__, what)
#define CHECK_NEAR(got, want, tol, what)                                                              \
  do {                                                                                                \
    const double g_ = (got), w_ = (want);                                                             \
    ::check::report(std::fabs(g_ - w_) <= (tol), __FILE__, __LINE__, what, ::check::numbers(g_, w_)); \
  } while (0)
#define CHECK_REL(got, want, rel, what)                                                                             \
  do {                                                                                                              \
    const double g_ = (got), w_ = (want);                                                                           \
    ::check::report(std::fabs(g_ - w_) <= (rel)*std::fabs(w_), __FILE__, __LINE__, what, ::check::numbers(g_, w_)); \
  } while (0)
#define CHECK_BITS(got, want, what)                                                                 \
  do {                                                                                              \
    const double g_ = (got), w_ = (want);                                                           \
    ::check::report(::check::sameBits(g_, w_), __FILE__, __LINE__, what, ::check::numbers(g_, w_)); \
  } while (0)
#define CHECK_THROWS(statement, errorCode, what)                                                                \
  do {                                                                                                          \
    bool thrown_ = false;                                                                                       \
    try {                                                                                                       \
      statement;                                                                                                \
    } catch (const ::dln::Error& e_) {                                                                          \
      thrown_ = e_.code() == (errorCode);                                                                       \
    }                                                                                                           \
    ::check::report(thrown_, __FILE__, __LINE__, what, thrown_ ? "" : "did not throw the expected dln::Error"); \
  } while (0)
