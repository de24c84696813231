// A gradient-descent result as JS sees it (train() and trainLanes() return the same object):
// { status, message, steps, divergedAt, finalLoss, finalGradNorm, weights, trace }. The trace's
// values move out of `r` (and its memory reservation with them).
#pragma once

#include <napi.h>

#include "gd.hpp"

namespace binding {

Napi::Object GdResultToJs(Napi::Env env, dln::GdResult& r);

}  // namespace binding
