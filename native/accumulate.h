// Vectorisable reductions. A plain `s += x[i]` loop is one serial dependency chain (the compiler
// may not reorder floating-point sums), i.e. one element per FP-add latency. These helpers keep
// 64 independent lanes instead, which the compiler turns into vector registers, and combine the
// lanes pairwise in double: both faster and more accurate than the serial loop.
#pragma once
#include <algorithm>
#include <cstdint>

namespace nabla {

inline double pairwiseLanes(const double* p, int n) {
  if (n <= 4) {
    double s = 0;
    for (int i = 0; i < n; i++) s += p[i];
    return s;
  }
  return pairwiseLanes(p, n / 2) + pairwiseLanes(p + n / 2, n - n / 2);
}

// sum_{i < n} f(i), accumulated in T lanes over blocks of 4096 terms, blocks added in double.
template <class T, class F>
inline double laneSum(int64_t n, F&& f) {
  double total = 0;
  for (int64_t b = 0; b < n; b += 4096) {
    const int64_t e = std::min<int64_t>(n, b + 4096);
    T acc[64] = {};
    int64_t i = b;
    for (; i + 64 <= e; i += 64)
      for (int j = 0; j < 64; j++) acc[j] += f(i + j);
    for (int j = 0; i < e; i++, j++) acc[j] += f(i);
    double lanes[64];
    for (int j = 0; j < 64; j++) lanes[j] = acc[j];
    total += pairwiseLanes(lanes, 64);
  }
  return total;
}

// Maximum of x[0..n) (n >= 1); NaN is not propagated here (callers that need it test for NaN).
template <class T>
inline T laneMax(const T* x, int64_t n) {
  T acc[16];
  for (int j = 0; j < 16; j++) acc[j] = x[0];
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] = x[i + j] > acc[j] ? x[i + j] : acc[j];
  T m = acc[0];
  for (int j = 1; j < 16; j++) m = acc[j] > m ? acc[j] : m;
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

template <class T>
inline T laneMin(const T* x, int64_t n) {
  T acc[16];
  for (int j = 0; j < 16; j++) acc[j] = x[0];
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] = x[i + j] < acc[j] ? x[i + j] : acc[j];
  T m = acc[0];
  for (int j = 1; j < 16; j++) m = acc[j] < m ? acc[j] : m;
  for (; i < n; i++) m = x[i] < m ? x[i] : m;
  return m;
}

// True when any x[i] is NaN (vectorisable OR of self-comparisons).
template <class T>
inline bool anyNaN(const T* x, int64_t n) {
  int flag = 0;
  for (int64_t i = 0; i < n; i++) flag |= x[i] != x[i];
  return flag != 0;
}

}  // namespace nabla
