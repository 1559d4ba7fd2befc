// A persistent thread pool: numThreads()-1 workers plus the calling thread. Work is split into
// tasks that participants claim with one atomic; tiny jobs run inline on the caller.
#pragma once
#include <cstdint>
#include <utility>

namespace nabla {

int numThreads();
void setNumThreads(int n);  // n <= 0 restores the default (NABLA_NUM_THREADS or the core count)
// True inside a pool task (or a call that is already running inline under one): nested parallel
// calls then run serially on the current thread.
bool inParallelRegion();

using TaskFn = void (*)(void* ctx, int64_t task);
void runTasks(int64_t ntasks, TaskFn fn, void* ctx);

// Runs f(task) for task in [0, ntasks), distributed dynamically over the pool.
template <class F>
void parallelTasks(int64_t ntasks, F&& f) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || numThreads() == 1 || inParallelRegion()) {
    for (int64_t t = 0; t < ntasks; t++) f(t);
    return;
  }
  auto tramp = [](void* c, int64_t t) { (*static_cast<F*>(c))(t); };
  runTasks(ntasks, tramp, &f);
}

// Runs f(begin, end) over [0, n) in at most numThreads() contiguous chunks of at least `grain`
// elements; n <= grain runs inline without waking anyone.
template <class F>
void parallelFor(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t chunks = (n + grain - 1) / grain;
  int64_t t = numThreads();
  if (chunks > t) chunks = t;
  if (chunks <= 1 || inParallelRegion()) {
    f(int64_t(0), n);
    return;
  }
  parallelTasks(chunks, [&](int64_t c) { f(n * c / chunks, n * (c + 1) / chunks); });
}

}  // namespace nabla
