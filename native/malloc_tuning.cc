// Keeps freed memory in the process instead of handing it back to the kernel.
//
// Every tensor is a typed array whose backing store V8 takes from glibc's calloc. Large blocks
// (activations, gradients, im2col columns) are by default mmap-ed on allocation and unmapped on
// free, so each training step faults every page in again; on these virtual machines a page fault
// costs about 7 us, which is most of a LeNet-BN step's allocation time. Raising the mmap and trim
// thresholds makes glibc reuse the same heap pages from step to step (what PyTorch users get with
// MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_). Set NABLA_MALLOC_TUNING=0 to keep glibc's
// defaults; an explicit MALLOC_*_ variable in the environment is also left alone.
// Measured on a LeNet-BN step: glibc defaults ~840 page faults, this call ~330, the two variables
// set before the process starts ~2 (memory Node took before the addon loaded keeps the old
// policy), so `npm start` and `npm run e2e` also set the variables.
#if defined(__GLIBC__)
#include <malloc.h>
#include <cstdlib>
#include <cstring>

namespace {

bool enabled() {
  const char* flag = std::getenv("NABLA_MALLOC_TUNING");
  if (flag != nullptr && std::strcmp(flag, "0") == 0) return false;
  return std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr && std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr;
}

// Runs when the addon is loaded, before any kernel.
__attribute__((constructor)) void tune_malloc() {
  if (!enabled()) return;
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace
#endif
