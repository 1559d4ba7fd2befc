// Throughput of odd GEMM shapes (tuning the dot-kernel threshold); same build line as
// gemm_bench.cc plus native/gemm_dot.cc.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gemm.h"
#include "threadpool.h"

using namespace nabla;

int main() {
  struct Shape { int M, N, K; bool ta, tb; };
  Shape shapes[] = {{6, 25, 784, 0, 1},    {16, 150, 100, 0, 1}, {8, 512, 512, 0, 1},
                    {1, 1000, 1000, 0, 1}, {32, 32, 1024, 0, 1}, {64, 64, 64, 0, 1},
                    {16, 16, 4096, 0, 1},  {128, 128, 128, 0, 1}, {256, 120, 400, 0, 1},
                    {256, 84, 120, 0, 1},  {256, 10, 84, 0, 1},   {64, 64, 64, 0, 0},
                    {128, 128, 128, 0, 0}, {256, 256, 256, 1, 0},
                    {6, 784, 25, 0, 0},     {16, 100, 150, 0, 0}, {1, 1000, 1000, 0, 0},
                    {8, 4096, 256, 0, 0},   {12, 3136, 576, 0, 0},
                    {24, 3136, 576, 0, 0},  {32, 784, 288, 0, 0},  {48, 196, 432, 0, 0},
                    {64, 3136, 576, 0, 0},  {16, 100, 1000, 0, 0}};
  setNumThreads(1);
  for (auto s : shapes) {
    std::vector<float> A(size_t(s.M) * s.K), B(size_t(s.K) * s.N), C(size_t(s.M) * s.N);
    for (auto& x : A) x = float(rand()) / RAND_MAX;
    for (auto& x : B) x = float(rand()) / RAND_MAX;
    int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    double best = 1e30;
    int reps = int(std::max(1.0, 2e8 / (2.0 * s.M * s.N * s.K)));
    for (int t = 0; t < 7; t++) {
      auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; r++)
        gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps);
    }
    printf("%4d x %4d x %4d %c%c  %7.1f GFLOP/s\n", s.M, s.N, s.K, s.ta ? 'T' : 'N', s.tb ? 'T' : 'N',
           2.0 * s.M * s.N * s.K / best / 1e9);
  }
}
