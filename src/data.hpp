// Data generators for the papers' experiments. Samples are rows (X is n x d_0). Every draw comes
// from streams keyed by (seed, purpose), so a dataset is a pure function of its parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "losses/completion.hpp"

namespace dln {

// Marion & Chizat, App. C (and the reference code's generate_data): X, X_test ~ N(0, I),
// w_true ~ N(0, I), y = X w_true + noise * zeta (test likewise, independent noise); w* is the
// (minimum-norm) least-squares solution, and y, y_test, w* are divided by ||w*|| so ||w*|| = 1.
struct RegressionData {
  std::size_t n = 0, d = 0, nTest = 0;
  std::vector<double> X, y, XTest, yTest, wStar;
  double normFactor = 1.0;  // the ||w*|| that was divided out
};
RegressionData marionChizatData(std::size_t n, std::size_t d, double noise, std::uint64_t seed, std::size_t nTest);

// Jacot et al., App. A: a d x d teacher W_T = W_0 W_0^T of rank r; W_0 has column i with
// variance i (columnVariance) or all entries with standard deviation `teacherStd`. Training
// targets use the noisy teacher W_T + E (E_ij ~ N(0, noise^2)), test targets the clean one.
struct TeacherData {
  std::size_t d = 0, n = 0, nTest = 0;
  std::vector<double> X, Y, XTest, YTest;
  std::vector<double> teacher;  // W_T, d x d (without noise)
  std::vector<double> noisyTeacher;
};
TeacherData jacotTeacherData(std::size_t d, std::size_t rank, std::size_t n, std::size_t nTest, double noise,
                             bool columnVariance, double teacherStd, std::uint64_t seed);

// A rows x cols matrix of rank r, A* = U V^T with U, V Gaussian; `observed` distinct entries
// drawn uniformly without replacement; the test set is every unobserved entry.
struct CompletionData {
  std::size_t rows = 0, cols = 0;
  std::vector<double> target;  // rows x cols
  std::vector<Entry> observed, test;
};
CompletionData completionData(std::size_t rows, std::size_t cols, std::size_t rank, std::size_t observed,
                              std::uint64_t seed);

}  // namespace dln
