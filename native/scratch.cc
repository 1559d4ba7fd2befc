#include "scratch.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

namespace nabla {
namespace {

struct Buffer {
  void* p = nullptr;
  size_t size = 0;
  ~Buffer() { std::free(p); }
};

thread_local Buffer tBuffers[kScratchSlots];

}  // namespace

void* scratch(ScratchSlot slot, size_t bytes) {
  Buffer& b = tBuffers[slot];
  if (bytes <= b.size && b.p) return b.p;
  // Grow by at least 1.5x so that slowly increasing sizes do not reallocate every call.
  size_t want = bytes < b.size + b.size / 2 ? b.size + b.size / 2 : bytes;
  want = (want + 4095) & ~size_t(4095);
  std::free(b.p);
  b.p = nullptr;
  b.size = 0;
  // Large buffers are 2 MiB aligned and marked for transparent huge pages: fewer faults and
  // TLB misses when GEMM streams through packed panels.
  size_t align = want >= (size_t(4) << 20) ? (size_t(2) << 20) : 64;
  void* p = nullptr;
  if (posix_memalign(&p, align, want) != 0) {
    // Kernels run on pool threads where no JS exception can be raised: out of memory is fatal.
    std::fprintf(stderr, "nabla native: cannot allocate %zu bytes of scratch memory\n", want);
    std::abort();
  }
#ifdef MADV_HUGEPAGE
  if (align > 64) madvise(p, want, MADV_HUGEPAGE);
#endif
  b.p = p;
  b.size = want;
  return p;
}

}  // namespace nabla
