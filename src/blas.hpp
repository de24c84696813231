// The one place that includes a BLAS header. The rest of the core calls kernels.hpp, which
// decides per call between hand-written loops and BLAS.
#pragma once

#if defined(DLN_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#elif !defined(DLN_BLAS_NONE)
#include <cblas.h>
#endif

namespace dln {

// "openblas", "accelerate", "cblas" or "none": fixed at build time.
const char* blasVendor();
// Threads BLAS may use inside one call (OpenBLAS only; others report 1 and ignore the setter).
int blasThreads();
void setBlasThreads(int threads);

}  // namespace dln
