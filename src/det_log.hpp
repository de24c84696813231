// A natural logarithm of our own for the Gaussian draws (Rng::normal, Rng::normals,
// lanes::drawNormals): the same bits on every machine, compiler and instruction set, where libm's
// log is not (glibc's FMA and non-FMA variants differ by one ulp on ~1e-4 of the polar method's
// inputs; other systems' libm is another function). Within one ulp of the true log, correctly
// rounded on nearly all inputs (test/native/det_log_test.cpp); docs/algorithms.md §2.8.
#pragma once

#include <cstddef>

namespace dln {

// The identity of the normal draws, recorded in a results directory's manifest (buildInfo().normals,
// lib/experiments/manifest.ts): a change of the draws' bits changes this name.
constexpr const char* kNormalsIdentity = "polar-detlog-1";

// log x for a positive normal double x (the polar method's s in [2^-104, 1), and any x in
// [2^-1022, DBL_MAX]). Branch-free; its body (det_log.inc) is compiled into each user.
double detLog(double x);
// out[i] = detLog(x[i]) (a loop the compiler vectorizes: the same bits, test/native/det_log_test.cpp).
void detLogs(std::size_t n, const double* x, double* out);

}  // namespace dln
