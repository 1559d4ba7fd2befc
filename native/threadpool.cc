#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NABLA_PAUSE() _mm_pause()
#else
#define NABLA_PAUSE() std::this_thread::yield()
#endif

namespace nabla {
namespace {

thread_local bool tInTask = false;

// Workers spin this long after a job before sleeping: kernels come in quick succession from JS,
// and waking a sleeping worker is slow on a VM, where an idle virtual CPU is halted: with a 20 us
// spin, one 256x256x784 GEMM in seven ran on the calling thread alone because the worker woke
// too late (median 340 us, 90th percentile 700 us; with 1 ms of spin, 330 and 400 us). 200 us
// covers the gaps between the kernels of a training step; LeNet and LeNet-BN measured the same
// with 20 and 200 us, the MLP and softmax regression a few percent faster.
constexpr auto kSpin = std::chrono::microseconds(200);

class Pool {
 public:
  explicit Pool(int n) { start(n); }

  int size() const { return nthreads_; }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    stop();
    start(n);
  }

  void run(int64_t ntasks, TaskFn fn, void* ctx) {
    // Only one job at a time; a second JS thread (worker_threads) arriving meanwhile runs inline.
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || nthreads_ == 1) {
      runInline(ntasks, fn, ctx);
      return;
    }
    if (ntasks <= kMaxTasks) {
      runOne(ntasks, fn, ctx);
      return;
    }
    // Jobs larger than the task field run as several consecutive jobs.
    struct Shift {
      TaskFn fn;
      void* ctx;
      int64_t base;
    } sh{fn, ctx, 0};
    auto shifted = [](void* c, int64_t t) {
      auto* s = static_cast<Shift*>(c);
      s->fn(s->ctx, s->base + t);
    };
    for (; sh.base < ntasks; sh.base += kMaxTasks)
      runOne(ntasks - sh.base < kMaxTasks ? ntasks - sh.base : kMaxTasks, shifted, &sh);
  }

 private:
  // state_ packs [generation:20][ntasks:22][next task:22]: a worker claims a task with one CAS on
  // the whole word, so a late worker from an old job can never claim a task of a newer one.
  static constexpr int kTaskBits = 22;
  static constexpr int64_t kMaxTasks = (int64_t(1) << kTaskBits) - 1;
  static constexpr uint64_t kTaskMask = (uint64_t(1) << kTaskBits) - 1;
  static uint64_t genOf(uint64_t s) { return s >> (2 * kTaskBits); }

  void runOne(int64_t ntasks, TaskFn fn, void* ctx) {
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    uint64_t gen = (genOf(state_.load(std::memory_order_relaxed)) + 1) & 0xfffff;
    state_.store((gen << (2 * kTaskBits)) | (uint64_t(ntasks) << kTaskBits), std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(m_);
      cv_.notify_all();
    }
    tInTask = true;
    work(gen);
    tInTask = false;
    while (done_.load(std::memory_order_acquire) < ntasks) NABLA_PAUSE();
  }

  static void runInline(int64_t ntasks, TaskFn fn, void* ctx) {
    bool prev = tInTask;
    tInTask = true;
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t);
    tInTask = prev;
  }

  // Claims and runs tasks of generation `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t s = state_.load(std::memory_order_acquire);
      if (genOf(s) != gen) return;
      int64_t t = static_cast<int64_t>(s & kTaskMask);
      int64_t n = static_cast<int64_t>((s >> kTaskBits) & kTaskMask);
      if (t >= n) return;
      // fn_/ctx_ are those of `gen`: that job cannot finish before the task claimed here does.
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      fn_(ctx_, t);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void workerLoop() {
    tInTask = true;
    uint64_t seen = genOf(state_.load());
    for (;;) {
      auto t0 = std::chrono::steady_clock::now();
      int spins = 0;
      uint64_t gen;
      while ((gen = genOf(state_.load(std::memory_order_acquire))) == seen && !quit_.load()) {
        NABLA_PAUSE();
        if (++spins % 256 == 0 && std::chrono::steady_clock::now() - t0 > kSpin) {
          std::unique_lock<std::mutex> lk(m_);
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          cv_.wait(lk, [&] { return genOf(state_.load()) != seen || quit_.load(); });
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        }
      }
      if (quit_.load()) return;
      seen = gen;
      work(gen);
    }
  }

  void start(int n) {
    nthreads_ = n < 1 ? 1 : n;
    quit_.store(false);
    for (int i = 1; i < nthreads_; i++) workers_.emplace_back([this] { workerLoop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_.store(true);
      cv_.notify_all();
    }
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> state_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> quit_{false};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
};

int defaultThreads() {
  if (const char* env = std::getenv("NABLA_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n > 256 ? 256 : n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

std::once_flag gOnce;
Pool* gPool = nullptr;  // never destroyed: workers may still be parked when the process exits

Pool& pool() {
  std::call_once(gOnce, [] { gPool = new Pool(defaultThreads()); });
  return *gPool;
}

}  // namespace

int numThreads() { return pool().size(); }

void setNumThreads(int n) {
  if (n <= 0) n = defaultThreads();
  if (n > 256) n = 256;
  if (n != pool().size()) pool().resize(n);
}

bool inParallelRegion() { return tInTask; }

void runTasks(int64_t ntasks, TaskFn fn, void* ctx) { pool().run(ntasks, fn, ctx); }

}  // namespace nabla
