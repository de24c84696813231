#include "lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "memory.hpp"
#include "rng.hpp"

namespace dln {

namespace {

// Four independent accumulators: a single running sum is bound by the add latency, and these
// norms run once or twice per product on vectors of P entries.
double sumOfSquares(std::size_t n, const double* x) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

double norm(std::size_t n, const double* x) { return std::sqrt(sumOfSquares(n, x)); }

// Classical Gram-Schmidt of w against the first m rows of Q (n each) as two matrix-vector
// products (c = Q w, w -= Q^T c), repeated once when the first pass removed most of w (the DGKS
// test: "twice is enough"). Returns the final norm. `c` has room for m values.
double orthogonalize(std::size_t n, std::size_t m, const double* Q, double* w, double* c) {
  double before = norm(n, w);
  if (m == 0) return before;
  for (int pass = 0; pass < 2; ++pass) {
    kernels::times(m, n, 1, Q, w, c);
    for (std::size_t i = 0; i < m; ++i) c[i] = -c[i];
    kernels::transposedTimes(m, n, 1, Q, c, w, true);
    const double after = norm(n, w);
    if (after > 0.7071 * before) return after;
    before = after;
  }
  return before;
}

// A random unit vector orthogonal to the first m rows of Q; false if none exists (m == n).
bool freshDirection(std::size_t n, std::size_t m, const double* Q, Rng& rng, double* out, double* c) {
  if (m >= n) return false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    for (std::size_t i = 0; i < n; ++i) out[i] = rng.normal();
    const double before = norm(n, out);
    const double after = orthogonalize(n, m, Q, out, c);
    if (after > 1e-8 * before) {
      for (std::size_t i = 0; i < n; ++i) out[i] /= after;
      return true;
    }
  }
  return false;
}

void sortDescending(std::vector<RitzPair>& pairs) {
  std::stable_sort(pairs.begin(), pairs.end(), [](const RitzPair& x, const RitzPair& y) { return x.value > y.value; });
}

}  // namespace

LanczosProcess::LanczosProcess(SymmetricOperator& op, std::size_t maxBasis) : op_(op), n_(op.dimension()) {
  const std::size_t rows = checkedAdd(maxBasis, 1, "maxIterations");
  memory_.grow(doubleBytes(checkedAdd(checkedMul(rows + 1, n_, "maxIterations"), 3 * rows, "maxIterations"), "maxIterations"),
               "maxIterations");
  w_.assign(n_, 0.0);
  c_.assign(rows, 0.0);
  // The basis grows a row per step inside one reservation (rows are touched only when used).
  Q_.reserve(rows * n_);
  Q_.resize(n_);
  alpha_.reserve(maxBasis);
  beta_.reserve(maxBasis);
}

void LanczosProcess::begin(const double* start, double startNoise, Rng& rng) {
  const std::size_t n = n_;
  double* q = Q_.data();
  if (start) {
    const double s = norm(n, start);
    if (!std::isfinite(s)) fail(ErrorCode::Value, "start", "the start vector must be finite");
    for (std::size_t i = 0; i < n; ++i) q[i] = start[i] + (s > 0 ? startNoise * s / std::sqrt(double(n)) : 1.0) * rng.normal();
  } else {
    for (std::size_t i = 0; i < n; ++i) q[i] = rng.normal();
  }
  const double q0 = norm(n, q);
  if (!(q0 > 0) || !std::isfinite(q0)) fail(ErrorCode::Value, "start", "the start vector must be finite and nonzero");
  for (std::size_t i = 0; i < n; ++i) q[i] /= q0;
}

double LanczosProcess::extend() {
  const std::size_t n = n_;
  const double* qm = Q_.data() + m_ * n;
  op_.apply(qm, w_.data());
  ++products_;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(w_[i])) fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
  }
  const double a = kernels::dot(n, qm, w_.data());
  alpha_.push_back(a);
  const double bPrev = m_ > blockStart_ ? beta_.back() : 0.0;
  ++m_;
  const double b = orthogonalize(n, m_, Q_.data(), w_.data(), c_.data());
  tNorm_ = std::max(tNorm_, std::fabs(a) + b + bPrev);
  return b;
}

const std::vector<RitzPair>& LanczosProcess::ritzPairs(double b) {
  // Ritz values of the open block and the last components of their vectors.
  const std::size_t len = m_ - blockStart_;
  values_.resize(len);
  lastRow_.resize(len);
  linalg::tridiagonalEigenLastRow(len, alpha_.data() + blockStart_, beta_.data() + blockStart_, values_.data(), lastRow_.data());
  candidates_.clear();
  for (std::size_t f = 0; f < finished_.size(); ++f)
    for (std::size_t i = 0; i < finished_[f].length; ++i) candidates_.push_back({finished_[f].values[i], finished_[f].residuals[i], f, i});
  for (std::size_t i = 0; i < len; ++i) candidates_.push_back({values_[i], std::fabs(b * lastRow_[i]), finished_.size(), i});
  sortDescending(candidates_);
  return candidates_;
}

bool LanczosProcess::breakdown(double b) const {
  return b <= kLanczosNegligible * std::max(tNorm_, std::numeric_limits<double>::min());
}

bool LanczosProcess::converged(const LanczosOptions& o, double b) const {
  auto ok = [&](double value, double residual) { return accepted(value, residual, o.tol, tNorm_); };
  const std::vector<RitzPair>& candidates = candidates_;
  bool done = candidates.size() >= o.k;
  for (std::size_t i = 0; i < o.k && done; ++i) done = ok(candidates[i].value, candidates[i].residual);
  if (done && o.smallest) done = ok(candidates.back().value, candidates.back().residual);
  if (done && o.k > 1 && !finished_.empty()) {
    // After a breakdown the new block explores the orthogonal complement, which holds only
    // further copies of eigenvalues already found (the first block, from a random start, saw
    // every eigenspace). Stop once the new block's top is converged and adds nothing to the
    // top k: then no copy above the k-th value is left (a multiplicity larger than one shows
    // up as one copy per block).
    std::vector<double> previous;
    for (const Block& f : finished_) previous.insert(previous.end(), f.values.begin(), f.values.end());
    std::sort(previous.begin(), previous.end(), std::greater<double>());
    const double top = values_.back(), topResidual = std::fabs(b * lastRow_.back());
    const double kth = previous.size() >= o.k ? previous[o.k - 1] : -std::numeric_limits<double>::infinity();
    done = ok(top, topResidual) && top <= kth + std::max(o.tol * std::fabs(kth), kLanczosNegligible * tNorm_);
  }
  // The first block closing is no proof for k > 1: a repeated eigenvalue may have more copies
  // in the complement (checked by the next block, above).
  if (done && breakdown(b) && o.k > 1 && finished_.empty() && m_ < n_) done = false;
  return done;
}

void LanczosProcess::advance(double b) {
  Q_.resize((m_ + 1) * n_);
  beta_.push_back(b);
  double* next = Q_.data() + m_ * n_;
  for (std::size_t i = 0; i < n_; ++i) next[i] = w_[i] / b;
}

bool LanczosProcess::restart(double b, Rng& rng) {
  Q_.resize((m_ + 1) * n_);
  // Invariant subspace: its Ritz values are exact to the dropped coupling. Continue in the
  // orthogonal complement.
  const std::size_t len = m_ - blockStart_;
  Block f;
  f.start = blockStart_;
  f.length = len;
  f.values = values_;
  f.residuals.resize(len);
  for (std::size_t i = 0; i < len; ++i) f.residuals[i] = std::fabs(b * lastRow_[i]);
  finished_.push_back(std::move(f));
  beta_.push_back(0.0);
  blockStart_ = m_;
  ++restarts_;
  return freshDirection(n_, m_, Q_.data(), rng, Q_.data() + m_ * n_, c_.data());
}

void LanczosProcess::collectClosed() {
  candidates_.clear();
  for (std::size_t f = 0; f < finished_.size(); ++f)
    for (std::size_t i = 0; i < finished_[f].length; ++i) candidates_.push_back({finished_[f].values[i], finished_[f].residuals[i], f, i});
  sortDescending(candidates_);
}

void LanczosProcess::extract(std::size_t wanted, bool wantVectors, LanczosResult& result) {
  const std::size_t n = n_;
  // If the process ended right after closing a block, its pairs are all in `finished_`.
  if (m_ == blockStart_) collectClosed();
  const std::vector<RitzPair>& candidates = candidates_;
  const std::size_t k = std::min(wanted, candidates.size());
  result.values.resize(k);
  result.residuals.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    result.values[i] = candidates[i].value;
    result.residuals[i] = candidates[i].residual;
  }
  result.smallest = candidates.back().value;
  result.smallestResidual = candidates.back().residual;
  if (!wantVectors) return;
  result.vectors.assign(k * n, 0.0);
  std::vector<double> blockValues, S;
  std::size_t cached = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < k; ++i) {
    const RitzPair& r = candidates[i];
    const std::size_t start = r.block < finished_.size() ? finished_[r.block].start : blockStart_;
    const std::size_t length = r.block < finished_.size() ? finished_[r.block].length : m_ - blockStart_;
    if (cached != r.block) {
      blockValues.resize(length);
      S.resize(length * length);
      linalg::tridiagonalEigen(length, alpha_.data() + start, beta_.data() + start, blockValues.data(), S.data());
      cached = r.block;
    }
    double* y = result.vectors.data() + i * n;
    for (std::size_t j = 0; j < length; ++j) kernels::axpy(n, S[j * length + r.index], Q_.data() + (start + j) * n, y);
    const double s = norm(n, y);
    if (s > 0)
      for (std::size_t t = 0; t < n; ++t) y[t] /= s;
  }
}

LanczosResult lanczos(SymmetricOperator& op, const LanczosOptions& o) {
  const std::size_t n = op.dimension();
  if (o.k < 1) fail(ErrorCode::Value, "k", "must be >= 1");
  if (o.k > n) fail(ErrorCode::Value, "k", "must be <= the number of parameters (" + std::to_string(n) + ")");
  if (!(o.tol > 0) || !std::isfinite(o.tol)) fail(ErrorCode::Value, "tol", "must be a finite number > 0");
  const std::size_t maxIter = std::min(n, o.maxIterations ? o.maxIterations : kLanczosDefaultMaxIterations);
  if (maxIter < o.k) fail(ErrorCode::Value, "maxIterations", "must be >= k");

  Rng rng(o.seed, Purpose::Eigensolver, {o.stream});
  LanczosProcess process(op, maxIter);
  process.begin(o.start, o.startNoise, rng);
  LanczosResult result;
  while (true) {
    o.cancel.check();
    const double b = process.extend();
    process.ritzPairs(b);
    const bool done = process.converged(o, b);
    const std::size_t m = process.size();
    result.iterations = m;
    if (m >= n) {
      // The basis spans the whole space: every Ritz pair is exact (to the last coupling).
      result.converged = true;
      break;
    }
    if (done || m >= maxIter) {
      result.converged = done;
      break;
    }
    if (!process.breakdown(b)) {
      process.advance(b);
    } else if (!process.restart(b, rng)) {
      // The whole space is spanned: every eigenvalue has been found.
      result.converged = true;
      break;
    }
  }
  process.extract(o.k, o.wantVectors, result);
  result.products = process.products();
  result.restarts = process.restarts();
  return result;
}

PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           CancelFlag cancel) {
  PowerWorkspace work;
  return powerIteration(op, iterations, seed, stream, work, cancel);
}

PowerResult powerIteration(SymmetricOperator& op, std::size_t iterations, std::uint64_t seed, std::uint64_t stream,
                           PowerWorkspace& work, CancelFlag cancel) {
  if (iterations < 1) fail(ErrorCode::Value, "powerIterations", "must be >= 1");
  const std::size_t n = op.dimension();
  Rng rng(seed, Purpose::Eigensolver, {stream, 1});
  work.v.resize(n);
  work.hv.resize(n);
  double* v = work.v.data();
  double* hv = work.hv.data();
  for (std::size_t i = 0; i < n; ++i) v[i] = rng.normal();
  const double inv0 = 1.0 / norm(n, v);
  for (std::size_t i = 0; i < n; ++i) v[i] *= inv0;
  PowerResult r;
  double current = 1.0;  // the reference code starts from new_eigv = 1.0
  // v is kept unnormalized (the iteration is scale-invariant): ||H v_k|| for the unit v_k is
  // ||H v|| / ||v||, and v is rescaled only when its norm drifts far from 1.
  double vNorm = 1.0;
  for (std::size_t k = 0; k < iterations; ++k) {
    cancel.check();
    r.estimate = current;
    op.apply(v, hv);
    ++r.products;
    const double hvNorm = norm(n, hv);
    current = hvNorm / vNorm;
    if (!(current > 0) || !std::isfinite(current)) {
      // H v = 0 (e.g. at the origin): the estimate is 0 from here on, as in exact arithmetic.
      if (current == 0.0) {
        r.estimate = k + 1 < iterations ? 0.0 : r.estimate;
        r.last = 0.0;
        return r;
      }
      fail(ErrorCode::Value, "weights", "the Hessian-vector product is not finite at this point");
    }
    std::swap(v, hv);
    vNorm = hvNorm;
    if (!(vNorm < 1e100 && vNorm > 1e-100)) {
      const double inv = 1.0 / vNorm;
      for (std::size_t i = 0; i < n; ++i) v[i] *= inv;
      vNorm = 1.0;
    }
  }
  r.last = current;
  return r;
}

}  // namespace dln
