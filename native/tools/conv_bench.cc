// Standalone conv2d timing (not part of the addon). Build from the repository root:
//   g++ -O3 -march=native -std=c++17 -pthread -Inative -I"$(dirname $(dirname $(which node)))/include/node"
//       -include isa.h native/tools/conv_bench.cc native/conv.cc
//       native/conv_batched.cc native/gemm.cc native/gemm_dot.cc native/threadpool.cc
//       native/scratch.cc -o /tmp/conv_bench
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "conv.h"
#include "threadpool.h"

using namespace nabla;

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  setNumThreads(threads);
  struct Case { const char* name; ConvDims d; };
  Case cases[] = {
      {"lenet c1", {256, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1, 28, 28}},
      {"lenet c2", {256, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, 10, 10}},
      {"resnet 64@28", {32, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28}},
  };
  for (auto& c : cases) {
    const ConvDims& d = c.d;
    std::vector<float> x(d.N * d.C * d.H * d.W), w(d.OC * d.kdim()), b(d.OC), out(d.N * d.OC * d.ohw());
    std::vector<float> gx(x.size()), gw(w.size()), gb(d.OC);
    for (auto& v : x) v = float(rand()) / RAND_MAX;
    for (auto& v : w) v = float(rand()) / RAND_MAX;
    auto best = [&](auto f) {
      double t = 1e30;
      for (int r = 0; r < 15; r++) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        t = std::min(t, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      return t * 1e3;
    };
    double f = best([&] { convForward<float>(d, x.data(), w.data(), b.data(), out.data()); });
    double bd = best([&] { convBackwardData<float>(d, out.data(), w.data(), gx.data()); });
    double bw = best([&] { convBackwardWeight<float>(d, out.data(), x.data(), gw.data(), gb.data()); });
    std::printf("%-14s threads %d  fwd %.3f ms  bwdData %.3f ms  bwdWeight %.3f ms\n", c.name, threads, f, bd, bw);
  }
}
