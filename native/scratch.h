// Grow-only per-thread scratch buffers. Page faults cost several microseconds each on these VMs,
// so kernels never malloc/free large temporaries per call: each thread keeps one buffer per slot
// and only ever enlarges it.
#pragma once
#include <cstddef>

namespace nabla {

enum ScratchSlot {
  kScratchPackA = 0,  // gemm packed A block
  kScratchPackB,      // gemm packed B panel
  kScratchGemmEdge,   // gemm edge tile
  kScratchCol,        // conv im2col / col2im buffer
  kScratchPartial,    // per-task partial results owned by the calling thread
  kScratchConvOut,    // conv: GEMM output / gathered gradients of several images
  kScratchMisc,
  kScratchGemmSmallA,  // gemm: row-major copy of a transposed A with few rows
  kScratchSlots
};

// Returns a 64-byte aligned buffer of at least `bytes` for the current thread and slot. The
// contents are unspecified. Valid until the next call with the same slot on this thread.
void* scratch(ScratchSlot slot, size_t bytes);

template <class T>
T* scratchOf(ScratchSlot slot, size_t count) {
  return static_cast<T*>(scratch(slot, count * sizeof(T)));
}

}  // namespace nabla
