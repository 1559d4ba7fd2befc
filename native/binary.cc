// Broadcasting binary ops: out (contiguous, given shape) = op(a, b) where a and b are read
// through element strides (0 on broadcast dims). After coalescing, the innermost run is one of
// same-shape, scalar-operand (column broadcast) or general-strided; row broadcasts (bias add)
// become a same-shape inner run repeated per row.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <string>
#include <vector>

#include "kernels.h"
#include "napi_args.h"
#include "strided.h"
#include "threadpool.h"

namespace nabla {
namespace {

enum class Op { Add, Sub, Mul, Div, Pow, Max, Min, Invalid };

Op parseOp(const std::string& s) {
  if (s == "add") return Op::Add;
  if (s == "sub") return Op::Sub;
  if (s == "mul") return Op::Mul;
  if (s == "div") return Op::Div;
  if (s == "pow") return Op::Pow;
  if (s == "maximum") return Op::Max;
  if (s == "minimum") return Op::Min;
  return Op::Invalid;
}

template <class T>
inline T powOf(T a, T b) {
  return std::pow(a, b);
}
// Integer pow as PyTorch: negative exponents give 0 except for bases +-1; wraps modulo 2^32
// (unsigned arithmetic, so overflow is defined).
template <>
inline int32_t powOf<int32_t>(int32_t a, int32_t b) {
  if (b < 0) return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
  uint32_t r = 1, base = static_cast<uint32_t>(a);
  for (; b; b >>= 1, base *= base)
    if (b & 1) r *= base;
  return static_cast<int32_t>(r);
}

// int32 add/sub/mul wrap modulo 2^32 like PyTorch's (signed overflow is undefined in C++).
inline int32_t wrap(uint32_t v) { return static_cast<int32_t>(v); }

// maximum/minimum propagate NaN from either side, as PyTorch does.
template <Op op, class T>
inline T apply(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t> && (op == Op::Add || op == Op::Sub || op == Op::Mul)) {
    uint32_t ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
    return wrap(op == Op::Add ? ua + ub : op == Op::Sub ? ua - ub : ua * ub);
  }
  if constexpr (op == Op::Add) return a + b;
  if constexpr (op == Op::Sub) return a - b;
  if constexpr (op == Op::Mul) return a * b;
  if constexpr (op == Op::Div) return a / b;
  if constexpr (op == Op::Pow) return powOf(a, b);
  if constexpr (op == Op::Max) return (a > b || a != a) ? a : b;
  if constexpr (op == Op::Min) return (a < b || a != a) ? a : b;
  return T(0);
}

// One inner run of n elements. The stride patterns get their own loops so the compiler
// vectorises the common cases.
template <Op op, class T>
// No __restrict: in-place updates (out == a) are legitimate callers.
inline void run(const T* a, int64_t sa, const T* b, int64_t sb, T* o, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = apply<op>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    if constexpr (op == Op::Pow && !std::is_integral_v<T>) {
      // PyTorch's scalar-exponent shortcuts (same results as its pow_tensor_scalar).
      if (bv == T(2)) { for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i]; return; }
      if (bv == T(0.5)) { for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(a[i]); return; }
      if (bv == T(1)) { for (int64_t i = 0; i < n; i++) o[i] = a[i]; return; }
      if (bv == T(3)) { for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i] * a[i]; return; }
      if (bv == T(-1)) { for (int64_t i = 0; i < n; i++) o[i] = T(1) / a[i]; return; }
      if (bv == T(-0.5)) { for (int64_t i = 0; i < n; i++) o[i] = T(1) / std::sqrt(a[i]); return; }
      if (bv == T(-2)) { for (int64_t i = 0; i < n; i++) o[i] = T(1) / (a[i] * a[i]); return; }
    }
    for (int64_t i = 0; i < n; i++) o[i] = apply<op>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t i = 0; i < n; i++) o[i] = apply<op>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = apply<op>(a[i * sa], b[i * sb]);
  }
}

template <Op op, class T>
void broadcast(const Layout& L, const T* a, const T* b, T* out) {
  const int nd = static_cast<int>(L.shape.size());
  const int64_t n = L.numel(), inner = L.shape[nd - 1];
  const int64_t sa = L.strides[0][nd - 1], sb = L.strides[1][nd - 1];
  int64_t grain = op == Op::Pow ? 8192 : 32768;
  parallelFor(n, grain, [&](int64_t e0, int64_t e1) {
    // Position of element e0: row index decomposed into the outer dims, column within the row.
    int64_t row = e0 / inner, col = e0 % inner;
    std::vector<int64_t> idx(nd, 0);
    int64_t offA = 0, offB = 0;
    for (int d = nd - 2; d >= 0; d--) {
      idx[d] = row % L.shape[d];
      row /= L.shape[d];
      offA += idx[d] * L.strides[0][d];
      offB += idx[d] * L.strides[1][d];
    }
    int64_t e = e0;
    while (e < e1) {
      int64_t len = std::min(inner - col, e1 - e);
      run<op>(a + offA + col * sa, sa, b + offB + col * sb, sb, out + e, len);
      e += len;
      col = 0;
      // Advance the outer multi-index by one row.
      for (int d = nd - 2; d >= 0; d--) {
        offA += L.strides[0][d];
        offB += L.strides[1][d];
        if (++idx[d] < L.shape[d]) break;
        offA -= L.strides[0][d] * L.shape[d];
        offB -= L.strides[1][d] * L.shape[d];
        idx[d] = 0;
      }
    }
  });
}

template <class T>
bool dispatchOp(Op op, const Layout& L, const T* a, const T* b, T* out) {
  switch (op) {
    case Op::Add: broadcast<Op::Add>(L, a, b, out); return true;
    case Op::Sub: broadcast<Op::Sub>(L, a, b, out); return true;
    case Op::Mul: broadcast<Op::Mul>(L, a, b, out); return true;
    case Op::Div: broadcast<Op::Div>(L, a, b, out); return true;
    case Op::Pow: broadcast<Op::Pow>(L, a, b, out); return true;
    case Op::Max: broadcast<Op::Max>(L, a, b, out); return true;
    case Op::Min: broadcast<Op::Min>(L, a, b, out); return true;
    default: return false;
  }
}

}  // namespace

// binary(op, a, aOff, b, bOff, out, shape, aStrides, bStrides). Float32/Float64; Int32 for all
// ops but div (integer division is not PyTorch's true division).
napi_value binary(napi_env env, napi_callback_info info) {
  Args args(env, info, "binary", 9);
  std::string name = args.str(0);
  Arr a = args.arr(1);
  int64_t aOff = args.dim(2);
  Arr b = args.arr(3);
  int64_t bOff = args.dim(4);
  Arr out = args.arr(5);
  Arr shape = args.typed(6, DType::I32), as = args.typed(7, DType::I32), bs = args.typed(8, DType::I32);
  if (!args.ok()) return nullptr;
  Op op = parseOp(name);
  if (op == Op::Invalid) return args.fail("unknown op '%s'", name.c_str()), nullptr;
  if (!args.sameType(a, b, name.c_str()) || !args.sameType(a, out, name.c_str())) return nullptr;
  if (a.type != DType::F32 && a.type != DType::F64 && !(a.type == DType::I32 && op != Op::Div))
    return args.fail("%s is not supported on %s", name.c_str(), dtypeName(a.type)), nullptr;
  int64_t nd = shape.length;
  if (as.length != nd || bs.length != nd)
    return args.fail("shape has %lld dims but strides have %lld and %lld", (long long)nd,
                     (long long)as.length, (long long)bs.length), nullptr;
  Layout L;
  L.strides.resize(2);
  for (int64_t d = 0; d < nd; d++) {
    int32_t s = shape.as<int32_t>()[d];
    if (s < 0) return args.fail("negative dimension %d", s), nullptr;
    L.shape.push_back(s);
    L.strides[0].push_back(as.as<int32_t>()[d]);
    L.strides[1].push_back(bs.as<int32_t>()[d]);
  }
  int64_t n = L.numel();
  if (!args.need(out, 0, n, "out")) return nullptr;
  if (n == 0) return undefined(env);
  L.coalesce();
  int64_t lo, hi;
  L.extent(0, lo, hi);
  if (!args.need(a, aOff + lo, hi - lo + 1, "a")) return nullptr;
  L.extent(1, lo, hi);
  if (!args.need(b, bOff + lo, hi - lo + 1, "b")) return nullptr;
  if (a.type == DType::F32)
    dispatchOp<float>(op, L, a.as<float>() + aOff, b.as<float>() + bOff, out.as<float>());
  else if (a.type == DType::F64)
    dispatchOp<double>(op, L, a.as<double>() + aOff, b.as<double>() + bOff, out.as<double>());
  else
    dispatchOp<int32_t>(op, L, a.as<int32_t>() + aOff, b.as<int32_t>() + bOff, out.as<int32_t>());
  return undefined(env);
}

}  // namespace nabla
