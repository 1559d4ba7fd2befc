// Elementwise unary ops, float32 (vectorised math of vmath.h) and float64 (libm, for
// gradcheck-grade precision). Large arrays split over the pool.
#include <cmath>
#include <cstring>
#include <string>

#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"
#include "vmath.h"

namespace nabla {
namespace {

enum class Op {
  Neg, Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Abs, Sign, Sin, Cos, Tanh, Sigmoid, Relu,
  Reciprocal, Gelu, Silu, Softplus, Square, Floor, Ceil, Round, Erf, LeakyRelu, Elu, ClampMin,
  ClampMax, PowScalar, MulScalar, AddScalar, DivScalar, Invalid
};

Op parseOp(const std::string& s) {
  static const char* names[] = {"neg", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "abs",
                                "sign", "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal",
                                "gelu", "silu", "softplus", "square", "floor", "ceil", "round",
                                "erf", "leakyRelu", "elu", "clampMin", "clampMax", "powScalar",
                                "mulScalar", "addScalar", "divScalar"};
  for (int i = 0; i < int(Op::Invalid); i++)
    if (s == names[i]) return Op(i);
  return Op::Invalid;
}

// Applies a vector function in 16-lane blocks; the tail goes through a padded block.
template <class F>
inline void mapV(const float* x, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + vm::VL <= n; i += vm::VL) vm::storeu(out + i, f(vm::loadu(x + i)));
  if (i < n) {
    float buf[vm::VL] = {0};
    std::memcpy(buf, x + i, sizeof(float) * (n - i));
    vm::storeu(buf, f(vm::loadu(buf)));
    std::memcpy(out + i, buf, sizeof(float) * (n - i));
  }
}

// x^p with PyTorch's shortcuts for common exponents (its pow_tensor_scalar does the same).
template <class T>
void powScalar(const T* x, T* o, int64_t n, T p) {
  if (p == T(2))
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i];
  else if (p == T(3))
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i] * x[i];
  else if (p == T(0.5))
    for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(x[i]);
  else if (p == T(1))
    for (int64_t i = 0; i < n; i++) o[i] = x[i];
  else if (p == T(-1))
    for (int64_t i = 0; i < n; i++) o[i] = T(1) / x[i];
  else
    for (int64_t i = 0; i < n; i++) o[i] = std::pow(x[i], p);
}

// Scalar sign with NaN -> NaN (Math.sign / numpy semantics).
template <class T>
inline T signOf(T v) {
  return v > 0 ? T(1) : v < 0 ? T(-1) : v;
}

// p parametrises leakyRelu (slope), elu (alpha), clamps (bound), powScalar (exponent), mulScalar
// (factor), addScalar (term), divScalar (divisor) and softplus (beta; linear above beta*x > 20 as
// PyTorch's threshold).
void unaryF32(Op op, const float* x, float* o, int64_t n, float p) {
  switch (op) {
    case Op::Neg: for (int64_t i = 0; i < n; i++) o[i] = -x[i]; break;
    case Op::Abs: for (int64_t i = 0; i < n; i++) o[i] = std::fabs(x[i]); break;
    case Op::Sqrt: for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(x[i]); break;
    case Op::Rsqrt: for (int64_t i = 0; i < n; i++) o[i] = 1.0f / std::sqrt(x[i]); break;
    case Op::Reciprocal: for (int64_t i = 0; i < n; i++) o[i] = 1.0f / x[i]; break;
    case Op::Sign: for (int64_t i = 0; i < n; i++) o[i] = signOf(x[i]); break;
    // x < 0 ? 0 : x keeps NaN (PyTorch's relu propagates it).
    case Op::Relu: for (int64_t i = 0; i < n; i++) o[i] = x[i] < 0.0f ? 0.0f : x[i]; break;
    case Op::Exp: mapV(x, o, n, [](vm::vf v) { return vm::exp(v); }); break;
    case Op::Log: mapV(x, o, n, [](vm::vf v) { return vm::log(v); }); break;
    case Op::Log1p: mapV(x, o, n, [](vm::vf v) { return vm::log1p(v); }); break;
    case Op::Expm1: mapV(x, o, n, [](vm::vf v) { return vm::expm1(v); }); break;
    case Op::Tanh: mapV(x, o, n, [](vm::vf v) { return vm::tanh(v); }); break;
    case Op::Sigmoid: mapV(x, o, n, [](vm::vf v) { return vm::sigmoid(v); }); break;
    case Op::Gelu: mapV(x, o, n, [](vm::vf v) { return vm::gelu(v); }); break;
    case Op::Silu: mapV(x, o, n, [](vm::vf v) { return v / (1.0f + vm::exp(-v)); }); break;
    case Op::Softplus:
      mapV(x, o, n, [p](vm::vf v) {
        vm::vf bv = v * p;
        return bv > 20.0f ? v : vm::log1p(vm::exp(bv)) / p;
      });
      break;
    case Op::Square: for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i]; break;
    case Op::Floor: for (int64_t i = 0; i < n; i++) o[i] = std::floor(x[i]); break;
    case Op::Ceil: for (int64_t i = 0; i < n; i++) o[i] = std::ceil(x[i]); break;
    // nearbyint rounds half to even in the default rounding mode, as torch.round.
    case Op::Round: for (int64_t i = 0; i < n; i++) o[i] = std::nearbyint(x[i]); break;
    case Op::Erf: mapV(x, o, n, [](vm::vf v) { return vm::erf(v); }); break;
    case Op::LeakyRelu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0f ? x[i] : x[i] * p; break;
    case Op::Elu:
      mapV(x, o, n, [p](vm::vf v) { return v > 0.0f ? v : p * vm::expm1(v); });
      break;
    case Op::ClampMin: for (int64_t i = 0; i < n; i++) o[i] = x[i] < p ? p : x[i]; break;
    case Op::ClampMax: for (int64_t i = 0; i < n; i++) o[i] = x[i] > p ? p : x[i]; break;
    case Op::PowScalar: powScalar(x, o, n, p); break;
    case Op::MulScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] * p; break;
    case Op::AddScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] + p; break;
    case Op::DivScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] / p; break;
    case Op::Sin:
    case Op::Cos: {
      bool c = op == Op::Cos;
      mapV(x, o, n, [c](vm::vf v) { return vm::sincos(v, c); });
      // Lanes beyond the reduction's accurate range (or inf/NaN) are redone with libm.
      for (int64_t i = 0; i < n; i++)
        if (!(std::fabs(x[i]) <= 8192.0f)) o[i] = c ? std::cos(x[i]) : std::sin(x[i]);
      break;
    }
    case Op::Invalid: break;
  }
}

void unaryF64(Op op, const double* x, double* o, int64_t n, double p) {
  switch (op) {
    case Op::Neg: for (int64_t i = 0; i < n; i++) o[i] = -x[i]; break;
    case Op::Abs: for (int64_t i = 0; i < n; i++) o[i] = std::fabs(x[i]); break;
    case Op::Sqrt: for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(x[i]); break;
    case Op::Rsqrt: for (int64_t i = 0; i < n; i++) o[i] = 1.0 / std::sqrt(x[i]); break;
    case Op::Reciprocal: for (int64_t i = 0; i < n; i++) o[i] = 1.0 / x[i]; break;
    case Op::Sign: for (int64_t i = 0; i < n; i++) o[i] = signOf(x[i]); break;
    case Op::Relu: for (int64_t i = 0; i < n; i++) o[i] = x[i] < 0.0 ? 0.0 : x[i]; break;
    case Op::Exp: for (int64_t i = 0; i < n; i++) o[i] = std::exp(x[i]); break;
    case Op::Log: for (int64_t i = 0; i < n; i++) o[i] = std::log(x[i]); break;
    case Op::Log1p: for (int64_t i = 0; i < n; i++) o[i] = std::log1p(x[i]); break;
    case Op::Expm1: for (int64_t i = 0; i < n; i++) o[i] = std::expm1(x[i]); break;
    case Op::Tanh: for (int64_t i = 0; i < n; i++) o[i] = std::tanh(x[i]); break;
    case Op::Sigmoid: for (int64_t i = 0; i < n; i++) o[i] = 1.0 / (1.0 + std::exp(-x[i])); break;
    case Op::Gelu:
      for (int64_t i = 0; i < n; i++) o[i] = 0.5 * x[i] * std::erfc(-x[i] * M_SQRT1_2);
      break;
    case Op::Silu: for (int64_t i = 0; i < n; i++) o[i] = x[i] / (1.0 + std::exp(-x[i])); break;
    case Op::Softplus:
      for (int64_t i = 0; i < n; i++)
        o[i] = x[i] * p > 20.0 ? x[i] : std::log1p(std::exp(x[i] * p)) / p;
      break;
    case Op::Square: for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i]; break;
    case Op::Floor: for (int64_t i = 0; i < n; i++) o[i] = std::floor(x[i]); break;
    case Op::Ceil: for (int64_t i = 0; i < n; i++) o[i] = std::ceil(x[i]); break;
    case Op::Round: for (int64_t i = 0; i < n; i++) o[i] = std::nearbyint(x[i]); break;
    case Op::Erf: for (int64_t i = 0; i < n; i++) o[i] = std::erf(x[i]); break;
    case Op::LeakyRelu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0 ? x[i] : x[i] * p; break;
    case Op::Elu: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.0 ? x[i] : p * std::expm1(x[i]); break;
    case Op::ClampMin: for (int64_t i = 0; i < n; i++) o[i] = x[i] < p ? p : x[i]; break;
    case Op::ClampMax: for (int64_t i = 0; i < n; i++) o[i] = x[i] > p ? p : x[i]; break;
    case Op::PowScalar: powScalar(x, o, n, p); break;
    case Op::MulScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] * p; break;
    case Op::AddScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] + p; break;
    case Op::DivScalar: for (int64_t i = 0; i < n; i++) o[i] = x[i] / p; break;
    case Op::Sin: for (int64_t i = 0; i < n; i++) o[i] = std::sin(x[i]); break;
    case Op::Cos: for (int64_t i = 0; i < n; i++) o[i] = std::cos(x[i]); break;
    case Op::Invalid: break;
  }
}

// Elements per task: memory-bound ops need big chunks to amortise the wake-up; transcendental
// ones are worth splitting much earlier.
int64_t grainFor(Op op, bool f64) {
  switch (op) {
    case Op::Neg: case Op::Abs: case Op::Relu: case Op::Sign: case Op::Reciprocal:
    case Op::Sqrt: case Op::Rsqrt: case Op::Square: case Op::Floor: case Op::Ceil:
    case Op::Round: case Op::LeakyRelu: case Op::ClampMin: case Op::ClampMax:
    case Op::MulScalar: case Op::AddScalar: case Op::DivScalar:
      return 1 << 16;
    default:
      return f64 ? 2048 : 8192;
  }
}

}  // namespace

// unary(op, x, xOff, out, n, p?): out[0..n) = op(x[xOff..xOff+n)); p defaults to 1 for softplus
// (beta) and 0 otherwise.
napi_value unary(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary", 5);
  std::string name = a.str(0);
  Arr x = a.floating(1);
  int64_t off = a.dim(2);
  Arr out = a.floating(3);
  int64_t n = a.dim(4);
  if (!a.ok()) return nullptr;
  Op op = parseOp(name);
  double p = a.isNullish(5) ? (op == Op::Softplus ? 1.0 : 0.0) : a.num(5);
  if (!a.ok()) return nullptr;
  if (op == Op::Invalid) return a.fail("unknown op '%s'", name.c_str()), nullptr;
  if (!a.sameType(x, out, name.c_str()) || !a.need(x, off, n, "x") || !a.need(out, 0, n, "out"))
    return nullptr;
  bool f64 = x.type == DType::F64;
  parallelFor(n, grainFor(op, f64), [&](int64_t i0, int64_t i1) {
    if (f64)
      unaryF64(op, x.as<double>() + off + i0, out.as<double>() + i0, i1 - i0, p);
    else
      unaryF32(op, x.as<float>() + off + i0, out.as<float>() + i0, i1 - i0, static_cast<float>(p));
  });
  return undefined(env);
}

}  // namespace nabla
