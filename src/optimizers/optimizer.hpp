// Training rules (docs/algorithms.md §7): one file per rule
// (sgd.cpp, momentum.cpp, ...), each an Optimizer and an OptimizerRule, listed once in
// registry.cpp. The driver (train.cpp) evaluates the full loss at theta every step (divergence,
// recording, stops) and then calls the rule's step(), so a rule only says how theta moves. Plain
// gradient descent is the rule gd (gradient_descent.cpp) like any other.
//
// Adding a rule: a file here defining its Optimizer subclass and `const OptimizerRule& xRule()`
// (kind, option fields with defaults and bounds, make), one line in registry.cpp, its kind and
// fields in lib/options/optimizer.ts, and its update in docs/algorithms.md §7.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "evaluator.hpp"
#include "memory.hpp"
#include "problem.hpp"

namespace dln {

// The optimizer block of the train options: its kind and the values the caller gave (by field
// name; booleans as 0/1). Fields not given take the rule's defaults (OptimizerRule::fields).
struct OptimizerOptions {
  std::string kind = "gd";
  std::map<std::string, double> values;
};

class BatchSampler;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of theta at step t (0-based). `ev` has evaluated theta (the full loss) and
  // completed its gradient; the rule may evaluate other points with evaluators of its own.
  virtual void step(std::uint64_t t, double* theta, Evaluator& ev) = 0;
  // The rule's stability threshold on the sharpness it is compared with (sharpness, or the
  // preconditioned sharpness for adaptive rules) at step t, from the state and the evaluated
  // point (docs/algorithms.md §7.3). NaN when the rule has none.
  virtual double stabilityEdge(std::uint64_t t, Evaluator& ev) const {
    (void)t;
    (void)ev;
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Adaptive rules: the diagonal P (paramCount entries) the update at step t divides the
  // gradient by, from the state and the gradient at the evaluated point. False: none.
  virtual bool preconditioner(std::uint64_t t, Evaluator& ev, double* p) const {
    (void)t;
    (void)ev;
    (void)p;
    return false;
  }
  // The rule's state norms at step t (docs/algorithms.md §7.3), each from the state and the
  // evaluated point theta (`scratch`: paramCount doubles); NaN when the rule keeps no such state.
  // momentumNorm: ||b_t||, the momentum buffer the step at t applies, updated with g_t (heavy
  // ball's b_t = g_t + beta (theta_{t-1} - theta_t) / eta, Nesterov's and Muon's b_t = beta b_{t-1}
  // + g_t, Adam's bias-corrected m_hat_t); NaN at beta = 0 (beta1 = 0: RMSProp).
  virtual double momentumNorm(std::uint64_t t, const double* theta, Evaluator& ev, double* scratch) const {
    (void)t;
    (void)theta;
    (void)ev;
    (void)scratch;
    return std::numeric_limits<double>::quiet_NaN();
  }
  // secondMomentNorm: ||v_hat_t|| (Euclidean, over all parameters), the bias-corrected second
  // moment the step at t builds its preconditioner from (Adam, RMSProp).
  virtual double secondMomentNorm(std::uint64_t t, Evaluator& ev, double* scratch) const {
    (void)t;
    (void)ev;
    (void)scratch;
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Mini-batch rules: the batch sequence (batchSharpness). Null: full-batch gradients.
  virtual const BatchSampler* sampler() const { return nullptr; }
  // Plain gradient descent (gd): its eta, for an update theta <- theta - eta grad R(theta) with
  // nothing else. The driver then completes the gradient and steps in one pass where nothing reads
  // the gradient first (Evaluator::completeGradientAndStep, bitwise the same as step()), and hands
  // eta to the orbit quantities, which continue gradient descent. NaN for every other rule.
  virtual double plainLearningRate() const { return std::numeric_limits<double>::quiet_NaN(); }
};

enum class FieldType { Number, Integer, Boolean };

// One option of a rule: its default and the closed/open interval it must lie in.
struct OptimizerField {
  const char* name;
  FieldType type;
  double fallback;
  double lo, hi;
  bool loOpen, hiOpen;
};

struct OptimizerSetup {
  const Problem& problem;
  double learningRate;
  std::uint64_t seed;  // the run's seed: batches and label noise are keyed by (seed, step)
  // The option values with the rule's defaults filled, by field name.
  std::map<std::string, double> values;
  double operator[](const char* name) const { return values.at(name); }
};

struct OptimizerRule {
  const char* kind;
  std::vector<OptimizerField> fields;
  std::unique_ptr<Optimizer> (*make)(const OptimizerSetup& setup);
  // Checks that need the problem (batchSize <= n); may be null.
  void (*check)(const OptimizerSetup& setup);
};

// Every rule, in the order of the docs.
const std::vector<const OptimizerRule*>& optimizerRules();
// The rule of `kind`; ERR_DLN_VALUE on "optimizer.kind" naming the kinds when unknown.
const OptimizerRule& optimizerRule(const std::string& kind);
// Validates kind, field names and bounds (ERR_DLN_VALUE on "optimizer.<field>").
void validate(const OptimizerOptions& options);
// The setup with defaults filled; with `check`, also the problem-dependent checks.
OptimizerSetup optimizerSetup(const OptimizerOptions& options, const Problem& problem, double learningRate,
                              std::uint64_t seed, bool check = true);
std::unique_ptr<Optimizer> makeOptimizer(const OptimizerOptions& options, const Problem& problem, double learningRate,
                                         std::uint64_t seed);

// The GD step every rule starts from: theta <- theta - eta grad R(theta) with the evaluator's
// own arithmetic (Evaluator::step), so that degenerate settings reproduce GD bit for bit.
inline void gradientStep(double eta, double* theta, Evaluator& ev) { ev.step(-eta, theta); }

// A rule's dense scratch (paramCount doubles each), reserved against the memory limit.
class OptimizerBuffers {
 public:
  OptimizerBuffers(std::size_t count, std::size_t size, const char* what);
  double* operator[](std::size_t i) { return buffers_[i].data(); }
  const double* operator[](std::size_t i) const { return buffers_[i].data(); }

 private:
  MemoryReservation memory_;
  std::vector<std::vector<double>> buffers_;
};

}  // namespace dln
