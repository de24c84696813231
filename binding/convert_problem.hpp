#pragma once

#include <memory>

#include "convert.hpp"
#include "gd.hpp"
#include "init.hpp"
#include "problem.hpp"

namespace binding {

// A problem descriptor (see lib/api/problem.ts for the TS side):
//   { kind: "regression", widths, projection?, n, X (n x d_0), y (n), XTest?, yTest?, l2? }
//   { kind: "mse",        widths, n, X (n x d_0), Y (n x d_L), XTest?, YTest?, l2? }
//   { kind: "completion", widths, entries (N x 3: row, col, value), testEntries?, l2? }
std::shared_ptr<const dln::Problem> ParseProblem(const Reader& r);

// Initial weights for `problem`: a Float64Array of paramCount() finite values.
std::vector<double> ParseWeights(Napi::Value value, const dln::Problem& problem, const std::string& field);

dln::GdOptions ParseGdOptions(const Reader& r);
dln::ProbeOptions ParseProbeOptions(const Reader& r);
dln::SharpnessOptions ParseSharpnessOptions(const Reader& r);
dln::InitOptions ParseInitOptions(const Reader& r);

}  // namespace binding
