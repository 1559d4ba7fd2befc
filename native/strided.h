// Shape/stride helpers shared by the broadcasting and strided-copy kernels.
#pragma once
#include <cstdint>
#include <vector>

namespace nabla {

// A row-major iteration space whose output is contiguous and whose operands have arbitrary
// element strides (0 for broadcast dims, possibly negative). coalesce() drops size-1 dims and
// merges neighbours that are contiguous with each other in every operand.
struct Layout {
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides;  // one per operand
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }
  void coalesce() {
    std::vector<int64_t> sh;
    std::vector<std::vector<int64_t>> st(strides.size());
    for (size_t d = 0; d < shape.size(); d++) {
      if (shape[d] == 1) continue;
      bool merge = !sh.empty();
      for (size_t k = 0; merge && k < strides.size(); k++)
        merge = st[k].back() == strides[k][d] * shape[d];
      if (merge) {
        sh.back() *= shape[d];
        for (size_t k = 0; k < strides.size(); k++) st[k].back() = strides[k][d];
      } else {
        sh.push_back(shape[d]);
        for (size_t k = 0; k < strides.size(); k++) st[k].push_back(strides[k][d]);
      }
    }
    if (sh.empty()) {  // a single element
      sh.push_back(1);
      for (auto& s : st) s.push_back(0);
    }
    shape.swap(sh);
    strides.swap(st);
  }
  // Smallest and largest element offset operand k can touch (shape must be non-empty).
  void extent(size_t k, int64_t& lo, int64_t& hi) const {
    lo = hi = 0;
    for (size_t d = 0; d < shape.size(); d++) {
      int64_t span = (shape[d] - 1) * strides[k][d];
      if (span < 0) lo += span; else hi += span;
    }
  }
};

}  // namespace nabla
