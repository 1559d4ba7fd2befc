// Standalone GEMM tuning harness (not part of the addon). Build from the repository root:
//   g++ -O3 -march=native -std=c++17 -pthread -Inative -I"$(dirname $(dirname $(which node)))/include/node"
//       -include isa.h native/tools/gemm_bench.cc
//       native/gemm.cc native/gemm_dot.cc native/threadpool.cc native/scratch.cc -o /tmp/gemm_bench
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gemm.h"
#include "threadpool.h"

using namespace nabla;

static double bench(int n, bool ta, bool tb, int threads) {
  setNumThreads(threads);
  std::vector<float> A(size_t(n) * n), B(size_t(n) * n), C(size_t(n) * n);
  for (auto& x : A) x = float(rand()) / RAND_MAX - 0.5f;
  for (auto& x : B) x = float(rand()) / RAND_MAX - 0.5f;
  double best = 1e30;
  int reps = n <= 256 ? 50 : n <= 1024 ? 8 : 3;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    gemm<float>(ta, tb, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt < best) best = dt;
  }
  return 2.0 * n * n * n / best / 1e9;
}

int main() {
  int sizes[] = {64, 128, 256, 512, 1024, 2048};
  for (int threads : {1, 2}) {
    for (int n : sizes) {
      printf("threads=%d n=%5d  NN %7.1f  TN %7.1f  NT %7.1f GFLOP/s\n", threads, n,
             bench(n, false, false, threads), bench(n, true, false, threads),
             bench(n, false, true, threads));
      fflush(stdout);
    }
  }
}
