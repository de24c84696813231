#include "blas.hpp"

namespace dln {

const char* blasVendor() { return DLN_BLAS_VENDOR; }

int blasThreads() {
#if defined(DLN_BLAS_OPENBLAS)
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

void setBlasThreads(int threads) {
#if defined(DLN_BLAS_OPENBLAS)
  openblas_set_num_threads(threads < 1 ? 1 : threads);
#else
  (void)threads;
#endif
}

}  // namespace dln
