// Theory quantities of univariate regression (Marion & Chizat; the talk slides' refinement).
// With Sigma = X^T X / n, lambda / Lambda its extreme eigenvalues, w* the least-squares solution
// (minimum-norm when Sigma is singular), u = w*/||w*||, a = u^T Sigma u and q = ||w*||^{2-2/L} ||p||^{2/L}:
//   Thm 1:       S_min >= 2 L lambda q
//   slides:      2 L a q <= S_min <= 2 q sqrt((2L-1) Lambda^2 + (L-1)^2 a^2)
//   Cor. 3:      S(small-scale GF limit) <= 4 (Lambda / lambda) S_min
//   rank-one:    S_r1 = 2 q lambda_max(Sigma + (L-1) Sigma^{1/2} u u^T Sigma^{1/2}), the sharpness of
//                every exactly rank-one, balanced, aligned minimizer (the vanishing-init GF limit)
//   reference code's lines: 2 L a (lower) and 8 L Lambda (upper)
#pragma once

#include <vector>

#include "problem.hpp"

namespace dln {

struct RegressionTheory {
  std::size_t depth = 0;
  double lambda = 0, Lambda = 0, a = 0, wStarNorm = 0, projectionNorm = 1;
  bool singularSigma = false;            // lambda == 0 (e.g. n < d): w* is the minimum-norm solution
  double sMin = 0;                       // Theorem 1's lower bound 2 L lambda q
  double sMinRefinedLower = 0;           // 2 L a q
  double sMinRefinedUpper = 0;           // 2 q sqrt((2L-1) Lambda^2 + (L-1)^2 a^2)
  double sRankOne = 0;                   // S_r1
  double smallInitUpper = 0;             // 4 (Lambda / lambda) sMin (infinite when lambda = 0)
  double codeUpper = 0;                  // 8 L Lambda
  double criticalLearningRate = 0;       // 2 / sMin (infinite when sMin = 0)
  double lossMin = 0;                    // R(w*)
  std::vector<double> sigmaEigenvalues;  // ascending
  std::vector<double> wStar;
};

// Requires a univariate regression problem (ERR_DLN_VALUE otherwise).
RegressionTheory regressionTheory(const Problem& problem);

}  // namespace dln
