// Pooled memory for large tensor storages.
//
// Why: a training step allocates the same activations, gradients and scratch tensors every step.
// With V8's default allocator each large ArrayBuffer is a fresh calloc: glibc maps new pages for
// it (a page fault per 4 KiB on first touch, about 7 us each on these VMs), zero-fills it, and
// unmaps it again when the buffer is collected. Here a freed block goes back to a free list keyed
// by its size class instead of to the OS, so the next step's tensor of the same size reuses pages
// that are already mapped, and outputs that a kernel overwrites whole skip the zero fill.
//
// The blocks are handed to V8 as external backing stores whose deleter returns them to the pool.
// V8 runs that deleter when it frees the backing store after a GC, possibly on a background
// thread, so the pool is guarded by a mutex. (Node-API's external arraybuffers would defer the
// callback to the event loop, which a synchronous training loop never reaches.)
#include <node_api.h>
#include <v8.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels.h"
#include "napi_args.h"

namespace nabla {
namespace {

// Below this size V8 keeps typed arrays on its own heap, which is cheaper still. Above it, a V8
// ArrayBuffer costs 3-5 us (calloc plus external-memory bookkeeping), a pooled one about 2 us.
constexpr size_t kMinPooledBytes = 1024;
// Blocks from here on are mapped from the kernel (whole pages); smaller ones come from malloc.
constexpr size_t kMappedBytes = size_t(64) << 10;

// Size classes: eighths of a power of two (whole pages for mapped blocks, cache lines below), so
// that buffers of nearly equal size share a class while no more than 1/8 of a block is wasted.
size_t sizeClass(size_t bytes) {
  size_t top = size_t(1) << (63 - __builtin_clzll(bytes));
  size_t minStep = bytes >= kMappedBytes ? 4096 : 64;
  size_t step = top / 8 < minStep ? minStep : top / 8;
  return (bytes + step - 1) / step * step;
}

void freeBlock(void* block, size_t cls) {
  if (cls >= kMappedBytes)
    munmap(block, cls);
  else
    std::free(block);
}

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> freeBlocks;  // size class -> blocks
  size_t cachedBytes = 0;   // in freeBlocks
  size_t liveBytes = 0;     // handed out and not yet returned
  size_t limitBytes = 0;    // cachedBytes beyond this go back to the OS
  double hits = 0, misses = 0;
};

// Never destroyed: V8 may return blocks while the process tears down.
Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();
    const char* env = std::getenv("NABLA_POOL_LIMIT_MB");
    q->limitBytes = (env && *env ? size_t(std::strtoull(env, nullptr, 10)) : 1024) << 20;
    return q;
  }();
  return *p;
}

// A new block straight from the kernel, its pages populated in one call: touching them one by
// one would fault once per 4 KiB page. Blocks of 2 MiB and more are aligned to 2 MiB and asked
// for transparent huge pages (one fault and one TLB entry per 2 MiB where the kernel allows).
void* mapBlock(size_t cls) {
  constexpr size_t kHuge = size_t(2) << 20;
  const bool huge = cls >= kHuge;
  const size_t span = huge ? cls + kHuge : cls;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  char* block = static_cast<char*>(raw);
  if (huge) {
    char* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(block) + kHuge - 1) & ~(kHuge - 1));
    if (aligned > block) munmap(block, aligned - block);
    const size_t tail = (block + span) - (aligned + cls);
    if (tail > 0) munmap(aligned + cls, tail);
    block = aligned;
#ifdef MADV_HUGEPAGE
    madvise(block, cls, MADV_HUGEPAGE);
#endif
  }
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  madvise(block, cls, MADV_POPULATE_WRITE);  // older kernels: EINVAL, pages fault in on use
  return block;
}

// A block of size class `cls`; `fresh` says it came zeroed from the kernel.
void* takeBlock(size_t cls, bool& fresh) {
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.liveBytes += cls;
    auto it = p.freeBlocks.find(cls);
    if (it != p.freeBlocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      p.cachedBytes -= cls;
      p.hits++;
      fresh = false;
      return block;
    }
    p.misses++;
  }
  void* block = nullptr;
  if (cls >= kMappedBytes) {
    block = mapBlock(cls);
    fresh = true;  // the kernel's pages are zero
  } else if (posix_memalign(&block, 64, cls) != 0) {
    block = nullptr;
  }
  if (!block) {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.liveBytes -= cls;
  }
  return block;
}

// The backing store's deleter: `info` carries the block's size class.
void returnBlock(void* data, size_t, void* info) {
  size_t cls = reinterpret_cast<size_t>(info);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.liveBytes -= cls;
    if (p.cachedBytes + cls <= p.limitBytes) {
      p.freeBlocks[cls].push_back(data);
      p.cachedBytes += cls;
      return;
    }
  }
  freeBlock(data, cls);
}

// The machine's physical memory. A block larger than it could never be populated: with the
// kernel's overcommit its mapping may still succeed, and the process would then be killed part
// way through populating or filling it, so such requests fail here with an error instead.
size_t physicalMemoryBytes() {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? size_t(pages) * size_t(pageSize) : SIZE_MAX;
  }();
  return bytes;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

}  // namespace

// allocBuffer(bytes, zero): an ArrayBuffer of `bytes` from the pool; zero-filled when `zero`,
// else with whatever the block held (for outputs that a kernel overwrites whole).
napi_value allocBuffer(napi_env env, napi_callback_info info) {
  Args a(env, info, "allocBuffer", 2);
  size_t bytes = size_t(a.dim(0));
  bool zero = a.boolean(1);
  if (!a.ok()) return nullptr;
  napi_value result = nullptr;
  if (bytes < kMinPooledBytes) {
    void* data;
    napi_create_arraybuffer(env, bytes, &data, &result);  // V8 zero-fills it
    return result;
  }
  if (bytes > physicalMemoryBytes()) {
    a.fail("cannot allocate %zu bytes: more than the machine's memory (%zu bytes)", bytes,
           physicalMemoryBytes());
    return nullptr;
  }
  size_t cls = sizeClass(bytes);
  bool fresh = false;
  void* block = takeBlock(cls, fresh);
  if (!block) {
    a.fail("cannot allocate %zu bytes", bytes);
    return nullptr;
  }
  if (zero && !fresh) std::memset(block, 0, bytes);
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(block, bytes, returnBlock, reinterpret_cast<void*>(cls));
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  // A napi_value is a pointer to the handle's slot (Node's own JsValueFromV8LocalValue); the
  // handle lives in the scope that Node-API opened for this call.
  return reinterpret_cast<napi_value>(*buffer);
}

// releaseBuffer(buffer): detaches an ArrayBuffer now, so that its memory goes back to the pool
// at once instead of when V8 next collects it; the buffer and its views become empty. For
// storages that nothing else can reach (the autograd engine's own temporary gradients): their
// block is then reused, still in cache, by the next tensor of the same size. Returns whether the
// buffer was detached (false for one that cannot be, e.g. a WebAssembly memory).
napi_value releaseBuffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool isBuffer = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer) {
    napi_throw_type_error(env, nullptr, "releaseBuffer: expected an ArrayBuffer");
    return nullptr;
  }
  // V8 drops its reference to the backing store on detach: with no other owner, the deleter
  // (returnBlock) runs before this returns, and V8's external-memory count goes down with it.
  // A buffer that cannot be detached is only reported (a status, no exception): the caller keeps it.
  const bool detached = napi_detach_arraybuffer(env, argv[0]) == napi_ok;
  napi_value result;
  napi_get_boolean(env, detached, &result);
  return result;
}

// memoryPoolStats(): {cachedBytes, liveBytes, limitBytes, hits, misses} of the pool.
napi_value memoryPoolStats(napi_env env, napi_callback_info) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "cachedBytes", number(env, double(p.cachedBytes)));
  napi_set_named_property(env, out, "liveBytes", number(env, double(p.liveBytes)));
  napi_set_named_property(env, out, "limitBytes", number(env, double(p.limitBytes)));
  napi_set_named_property(env, out, "hits", number(env, p.hits));
  napi_set_named_property(env, out, "misses", number(env, p.misses));
  return out;
}

// emptyMemoryPool(): gives every cached block back to the OS (blocks in use are unaffected).
napi_value emptyMemoryPool(napi_env env, napi_callback_info) {
  Pool& p = pool();
  std::unordered_map<size_t, std::vector<void*>> blocks;
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    blocks.swap(p.freeBlocks);
    p.cachedBytes = 0;
  }
  for (auto& [cls, list] : blocks)
    for (void* b : list) freeBlock(b, cls);
  return nullptr;
}

}  // namespace nabla
