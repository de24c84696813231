#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "problem.hpp"

namespace binding {

// The core Problem behind a NativeProblem handle; ERR_DLN_TYPE if `value` is not one.
std::shared_ptr<const dln::Problem> UnwrapProblem(Napi::Value value, const std::string& field);

}  // namespace binding
