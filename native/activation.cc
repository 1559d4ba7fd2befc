// Fused activation backward: gradIn = f'(x, out) * gradOut for the activations of the Backend
// interface, in one pass (float32 vectorised with vmath.h, float64 with libm).
#include <cmath>
#include <cstring>
#include <string>

#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"
#include "vmath.h"

namespace nabla {
namespace {

enum class Act { Tanh, Sigmoid, Relu, LeakyRelu, Elu, Gelu, Silu, Softplus, Invalid };

Act parseAct(const std::string& s) {
  static const char* names[] = {"tanh", "sigmoid", "relu", "leakyRelu", "elu", "gelu", "silu", "softplus"};
  for (int i = 0; i < int(Act::Invalid); i++)
    if (s == names[i]) return Act(i);
  return Act::Invalid;
}

constexpr double kInvSqrt2Pi = 0.3989422804014327;  // 1/sqrt(2 pi), the normal density at 0

// d/da gelu(a) = Phi(a) + a * phi(a).
inline vm::vf geluGrad(vm::vf a) {
  vm::vf z2, e;
  vm::square2(a, z2, e);
  vm::vf Phi = 0.5f * vm::erfcImpl(a * -0.70710678118654752f, 0.5f * z2, 0.5f * e);
  vm::vf phi = vm::exp(-0.5f * z2) * (1.0f - 0.5f * e) * float(kInvSqrt2Pi);
  return Phi + a * phi;
}

// Applies f(x, y, g) in 16-lane blocks; the tail goes through padded blocks.
template <class F>
inline void map3(const float* x, const float* y, const float* g, float* o, int64_t n, F f) {
  int64_t i = 0;
  for (; i + vm::VL <= n; i += vm::VL)
    vm::storeu(o + i, f(vm::loadu(x + i), vm::loadu(y + i), vm::loadu(g + i)));
  if (i < n) {
    float bx[vm::VL] = {0}, by[vm::VL] = {0}, bg[vm::VL] = {0};
    size_t bytes = sizeof(float) * (n - i);
    std::memcpy(bx, x + i, bytes);
    std::memcpy(by, y + i, bytes);
    std::memcpy(bg, g + i, bytes);
    vm::storeu(bx, f(vm::loadu(bx), vm::loadu(by), vm::loadu(bg)));
    std::memcpy(o + i, bx, bytes);
  }
}

void gradF32(Act op, const float* x, const float* y, const float* g, float* o, int64_t n, float p) {
  using vm::vf;
  switch (op) {
    case Act::Tanh: for (int64_t i = 0; i < n; i++) o[i] = g[i] * (1.0f - y[i] * y[i]); break;
    case Act::Sigmoid: for (int64_t i = 0; i < n; i++) o[i] = g[i] * y[i] * (1.0f - y[i]); break;
    case Act::Relu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0f ? g[i] : 0.0f; break;
    case Act::LeakyRelu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0f ? g[i] : g[i] * p; break;
    case Act::Elu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0f ? g[i] : g[i] * (y[i] + p); break;
    case Act::Gelu: map3(x, y, g, o, n, [](vf a, vf, vf gv) { return gv * geluGrad(a); }); break;
    case Act::Silu:
      map3(x, y, g, o, n, [](vf a, vf, vf gv) {
        vf s = vm::sigmoid(a);
        return gv * s * (1.0f + a * (1.0f - s));
      });
      break;
    case Act::Softplus:
      map3(x, y, g, o, n, [p](vf a, vf, vf gv) {
        vf ap = a * p;
        return ap > 20.0f ? gv : gv / (1.0f + vm::exp(-ap));
      });
      break;
    case Act::Invalid: break;
  }
}

void gradF64(Act op, const double* x, const double* y, const double* g, double* o, int64_t n, double p) {
  switch (op) {
    case Act::Tanh: for (int64_t i = 0; i < n; i++) o[i] = g[i] * (1.0 - y[i] * y[i]); break;
    case Act::Sigmoid: for (int64_t i = 0; i < n; i++) o[i] = g[i] * y[i] * (1.0 - y[i]); break;
    case Act::Relu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0 ? g[i] : 0.0; break;
    case Act::LeakyRelu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0 ? g[i] : g[i] * p; break;
    case Act::Elu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0 ? g[i] : g[i] * (y[i] + p); break;
    case Act::Gelu:
      for (int64_t i = 0; i < n; i++)
        o[i] = g[i] * (0.5 * std::erfc(-x[i] * M_SQRT1_2) + x[i] * std::exp(-0.5 * x[i] * x[i]) * kInvSqrt2Pi);
      break;
    case Act::Silu:
      for (int64_t i = 0; i < n; i++) {
        double s = 1.0 / (1.0 + std::exp(-x[i]));
        o[i] = g[i] * s * (1.0 + x[i] * (1.0 - s));
      }
      break;
    case Act::Softplus:
      for (int64_t i = 0; i < n; i++) o[i] = x[i] * p > 20.0 ? g[i] : g[i] / (1.0 + std::exp(-x[i] * p));
      break;
    case Act::Invalid: break;
  }
}

}  // namespace

// unaryBackward(op, x, out, gradOut, gradIn, n, p?): p is leakyRelu's slope, elu's alpha or
// softplus's beta (default 1 for softplus, 0 otherwise).
napi_value unaryBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "unaryBackward", 6);
  std::string name = a.str(0);
  Arr x = a.floating(1), y = a.floating(2), g = a.floating(3), gi = a.floating(4);
  int64_t n = a.dim(5);
  if (!a.ok()) return nullptr;
  Act op = parseAct(name);
  if (op == Act::Invalid) return a.fail("unknown op '%s'", name.c_str()), nullptr;
  double p = a.isNullish(6) ? (op == Act::Softplus ? 1.0 : 0.0) : a.num(6);
  for (const Arr* arr : {&y, &g, &gi})
    if (!a.sameType(x, *arr, name.c_str())) return nullptr;
  if (!a.need(x, 0, n, "x") || !a.need(y, 0, n, "out") || !a.need(g, 0, n, "gradOut") ||
      !a.need(gi, 0, n, "gradIn"))
    return nullptr;
  bool cheap = op == Act::Tanh || op == Act::Sigmoid || op == Act::Relu || op == Act::LeakyRelu || op == Act::Elu;
  parallelFor(n, cheap ? 1 << 16 : 8192, [&](int64_t i0, int64_t i1) {
    if (x.type == DType::F64)
      gradF64(op, x.as<double>() + i0, y.as<double>() + i0, g.as<double>() + i0, gi.as<double>() + i0, i1 - i0, p);
    else
      gradF32(op, x.as<float>() + i0, y.as<float>() + i0, g.as<float>() + i0, gi.as<float>() + i0, i1 - i0,
              static_cast<float>(p));
  });
  return undefined(env);
}

}  // namespace nabla
