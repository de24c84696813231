// Shared pieces of the stiff-integrator native tests: a check counter that prints what failed,
// a linear gradient flow with a chosen spectrum (the closed-form oracle), and a loop that runs a
// stepper and samples its dense output at given times.
#pragma once

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <vector>

#include "rng.hpp"
#include "stiff_stepper.hpp"
#include "stiff_system.hpp"

namespace stiff_test {

// A stiff linear spectrum: n eigenvalues log-spaced over [1, 1e6] times `scale`, the bottom one
// moved to scale * bottom.
inline std::vector<double> logSpectrum(std::size_t n, double scale = 1.0, double bottom = 1.0) {
  std::vector<double> lambda(n);
  for (std::size_t i = 0; i < n; ++i) lambda[i] = scale * std::pow(10.0, 6.0 * i / (n - 1));
  lambda[0] = scale * bottom;
  return lambda;
}

// A fixed Gaussian start of length n.
inline std::vector<double> gaussianStart(std::size_t n) {
  dln::Rng rng(3, dln::Purpose::Data, {1});
  std::vector<double> y0(n);
  for (auto& v : y0) v = rng.normal();
  return y0;
}

struct Checks {
  int failures = 0;
  int passed = 0;
  // Prints and counts a failure unless `ok`.
  void expect(bool ok, const char* format, ...) {
    if (ok) {
      ++passed;
      return;
    }
    ++failures;
    std::va_list args;
    va_start(args, format);
    std::fprintf(stderr, "FAILED: ");
    std::vfprintf(stderr, format, args);
    std::fprintf(stderr, "\n");
    va_end(args);
  }
  int finish(const char* name) const {
    std::printf("%s: %d checks passed, %d failed\n", name, passed, failures);
    return failures == 0 ? 0 : 1;
  }
};

// n x n orthogonal matrix (row-major) by Gram-Schmidt (twice) on Gaussian vectors.
inline std::vector<double> randomOrthogonal(std::size_t n, std::uint64_t seed) {
  dln::Rng rng(seed, dln::Purpose::Init, {99});
  std::vector<double> Q(n * n);
  for (auto& q : Q) q = rng.normal();
  for (std::size_t i = 0; i < n; ++i) {
    double* qi = Q.data() + i * n;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t j = 0; j < i; ++j) {
        const double* qj = Q.data() + j * n;
        double d = 0.0;
        for (std::size_t k = 0; k < n; ++k) d += qi[k] * qj[k];
        for (std::size_t k = 0; k < n; ++k) qi[k] -= d * qj[k];
      }
    }
    double s = 0.0;
    for (std::size_t k = 0; k < n; ++k) s += qi[k] * qi[k];
    s = std::sqrt(s);
    for (std::size_t k = 0; k < n; ++k) qi[k] /= s;
  }
  return Q;
}

// y' = -H y with H = Q^T diag(lambda) Q (rows of Q are the eigenvectors): exact solution
// y(t) = Q^T exp(-t diag(lambda)) Q y0.
class LinearFlow final : public dln::HessianOdeSystem {
 public:
  LinearFlow(std::vector<double> lambda, std::uint64_t seed)
      : n_(lambda.size()), lambda_(std::move(lambda)), Q_(randomOrthogonal(n_, seed)), H_(n_ * n_, 0.0) {
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t j = 0; j < n_; ++j) {
        double s = 0.0;
        for (std::size_t k = 0; k < n_; ++k) s += Q_[k * n_ + i] * lambda_[k] * Q_[k * n_ + j];
        H_[i * n_ + j] = s;
      }
  }
  std::size_t dimension() const override { return n_; }
  void rhs(const double* y, double* f) override {
    times(y, f);
    for (std::size_t i = 0; i < n_; ++i) f[i] = -f[i];
  }
  void linearize(const double* y, double* f) override { rhs(y, f); }
  void linearizeAtLastRhs() override {}
  void hessianTimes(const double* v, double* out) override { times(v, out); }

  std::vector<double> exact(const std::vector<double>& y0, double t) const {
    std::vector<double> c(n_, 0.0), y(n_, 0.0);
    for (std::size_t k = 0; k < n_; ++k) {
      double s = 0.0;
      for (std::size_t i = 0; i < n_; ++i) s += Q_[k * n_ + i] * y0[i];
      c[k] = s * std::exp(-lambda_[k] * t);
    }
    for (std::size_t k = 0; k < n_; ++k)
      for (std::size_t i = 0; i < n_; ++i) y[i] += Q_[k * n_ + i] * c[k];
    return y;
  }

 private:
  void times(const double* v, double* out) const {
    for (std::size_t i = 0; i < n_; ++i) {
      double s = 0.0;
      for (std::size_t j = 0; j < n_; ++j) s += H_[i * n_ + j] * v[j];
      out[i] = s;
    }
  }
  std::size_t n_;
  std::vector<double> lambda_, Q_, H_;
};

// Runs `stepper` to its end, calling sample(t, y) at each of `times` (increasing, within the
// interval) from the dense output. Returns false if the stepper failed.
template <class Stepper>
bool runAndSample(Stepper& stepper, const std::vector<double>& times,
                  const std::function<void(double, const double*)>& sample, std::size_t maxSteps = 10000000) {
  std::vector<double> y(stepper.dimension());
  std::size_t next = 0;
  while (next < times.size() && times[next] <= stepper.t()) {
    sample(times[next], stepper.y());
    ++next;
  }
  while (stepper.status() == Stepper::Status::Running && stepper.accepted() < maxSteps) {
    if (stepper.step() == Stepper::Status::Failed) return false;
    while (next < times.size() && stepper.timeOld().until(times[next]) <= stepper.stepSize()) {
      stepper.dense(stepper.timeOld().until(times[next]), y.data());
      sample(times[next], y.data());
      ++next;
    }
  }
  return next == times.size();
}

}  // namespace stiff_test
