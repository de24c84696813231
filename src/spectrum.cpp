#include "spectrum.hpp"

#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "error.hpp"
#include "hessian.hpp"
#include "lanczos.hpp"
#include "memory.hpp"

namespace dln {

void validate(const SharpnessOptions& o) {
  if (!(o.tol > 0) || !std::isfinite(o.tol)) fail(ErrorCode::Value, "tol", "must be a finite number > 0");
  if (o.powerIterations < 1) fail(ErrorCode::Value, "powerIterations", "must be >= 1");
}

void validate(const SharpnessOptions& o, std::size_t P) {
  using M = SharpnessOptions::Method;
  validate(o);
  if (o.k < 1 || o.k > P) {
    fail(ErrorCode::Value, "k", "must be in [1, " + std::to_string(P) + "] (at most the number of parameters)");
  }
  if (o.method == M::Lanczos && o.maxIterations != 0 && o.maxIterations < o.k) {
    fail(ErrorCode::Value, "maxIterations", "must be >= k (" + std::to_string(o.k) + ")");
  }
  if (o.method == M::Power && o.k > 1) {
    fail(ErrorCode::Value, "k", "power iteration gives one estimate (k = 1); use lanczos or dense for the top k");
  }
  if (o.method == M::Dense) requireDoubles(checkedMul(P, P, "method"), "method");
}

Spectrum hessianSpectrum(const Evaluator& evaluator, const SharpnessOptions& o, const SpectrumRequest& request) {
  using M = SharpnessOptions::Method;
  // The caller's operator when it is one on this evaluator (its buffers sized once per run), else
  // a local one.
  std::optional<HessianOperator> local;
  HessianOperator& H =
      request.hessian && &request.hessian->evaluator() == &evaluator ? *request.hessian : local.emplace(evaluator);
  const std::size_t P = H.dimension();
  Spectrum s;
  if (o.method == M::Lanczos) {
    LanczosOptions lo;
    lo.k = o.k;
    lo.tol = o.tol;
    lo.maxIterations = o.maxIterations;
    lo.smallest = request.smallest;
    lo.seed = o.seed;
    lo.stream = request.stream;
    lo.start = request.start;
    lo.wantVectors = request.vectors;
    lo.cancel = request.cancel;
    lo.workspace = request.workspace;
    LanczosResult r = lanczos(H, lo);
    s.values = std::move(r.values);
    s.residuals = std::move(r.residuals);
    s.vectors = std::move(r.vectors);
    s.smallest = r.smallest;
    s.smallestResidual = r.smallestResidual;
    s.iterations = r.iterations;
    s.products = r.products;
    s.restarts = r.restarts;
    s.converged = r.converged;
  } else if (o.method == M::Power) {
    const PowerResult p = powerIteration(H, o.powerIterations, o.seed, request.stream, request.cancel);
    s.values = {p.estimate};
    s.powerLast = p.last;
    s.products = p.products;
    s.iterations = p.products;
    s.converged = true;
  } else {
    MemoryReservation work(
        doubleBytes(checkedMul(checkedMul(P, P, "method"), request.vectors ? 2 : 1, "method"), "method"), "method");
    std::vector<double> dense = denseHessian(evaluator, request.cancel);
    std::vector<double> values(P);
    // Not zeroed: the eigensolver fills it row by row, polling the cancel flag.
    std::unique_ptr<double[]> vectors(request.vectors ? new double[P * P] : nullptr);
    symmetricSpectrum(P, dense, values.data(), vectors.get(), request.cancel);
    s.values.resize(o.k);
    s.residuals.assign(o.k, 0.0);
    if (request.vectors) s.vectors.resize(o.k * P);
    for (std::size_t i = 0; i < o.k; ++i) {
      s.values[i] = values[P - 1 - i];
      if (request.vectors)
        for (std::size_t t = 0; t < P; ++t) s.vectors[i * P + t] = vectors[t * P + (P - 1 - i)];
    }
    s.smallest = values[0];
    s.products = P;
    s.iterations = P;
    s.converged = true;
  }
  return s;
}

}  // namespace dln
