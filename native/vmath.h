// Vectorised float32 math on GCC vector extensions (16 lanes: one zmm with AVX-512, two ymm with
// AVX2, four xmm otherwise). Cephes-style range reduction + minimax polynomials, ~1-2 ulp, with
// IEEE special values (NaN, +-inf, zero, denormals) handled by selects instead of branches.
#pragma once
#include <cstdint>
#include <cstring>

namespace nabla {
namespace vm {

typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
constexpr int VL = 16;

inline vf splat(float x) { return vf{} + x; }
inline vf loadu(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeu(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
inline vf vabs(vf x) { return (vf)((vi)x & 0x7fffffff); }
inline vf copysign(vf mag, vf sgn) {
  return (vf)(((vi)mag & 0x7fffffff) | ((vi)sgn & (int32_t)0x80000000u));
}
constexpr float kInf = __builtin_inff();

// exp: x = n*ln2 + r, |r| <= ln2/2, exp(r) by a degree-7 polynomial; 2^n applied in two halves
// so that results in the denormal range are still produced.
inline vf exp(vf x) {
  vf xc = x > 88.8f ? splat(88.8f) : x;  // NaN compares false and flows through
  xc = xc < -104.0f ? splat(-104.0f) : xc;
  vf t = xc * 1.44269504088896341f + 12582912.0f;  // adding 1.5*2^23 rounds to nearest
  vf n = t - 12582912.0f;
  vi ni = (vi)t - 0x4B400000;
  vf r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vf r2 = r * r;
  vf y = splat(1.9875691500E-4f);
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * r2 + r + 1.0f;
  vi n1 = ni >> 1, n2 = ni - n1;
  return y * (vf)((n1 + 127) << 23) * (vf)((n2 + 127) << 23);
}

// log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial.
inline vf log(vf x) {
  vi den = x < 1.17549435e-38f;
  vf xs = den ? x * 8388608.0f : x;  // denormals: scale by 2^23 first
  vi xi = (vi)xs;
  vi e = ((xi >> 23) & 0xff) - 126;
  e = den ? e - 23 : e;
  vf m = (vf)((xi & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  vi small = m < 0.707106781186547524f;
  vf ef = __builtin_convertvector(small ? e - 1 : e, vf);
  m = small ? m + m - 1.0f : m - 1.0f;
  vf z = m * m;
  vf y = splat(7.0376836292E-2f);
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  y = y + ef * -2.12194440e-4f;
  y = y - 0.5f * z;
  vf res = m + y + ef * 0.693359375f;
  res = x == 0.0f ? splat(-kInf) : res;
  res = x < 0.0f ? splat(__builtin_nanf("")) : res;
  res = x == kInf ? splat(kInf) : res;
  return x != x ? x : res;
}

// log1p(x) = log(u) * x / (u - 1) with u = 1 + x: the rounding of u cancels out (Goldberg).
inline vf log1p(vf x) {
  vf u = x + 1.0f;
  vf r = log(u) * (x / (u - 1.0f));
  r = u == 1.0f ? x : r;
  return x == kInf ? x : r;
}

// expm1(x) = (u - 1) * x / log(u) with u = exp(x) (Kahan), exact for tiny x.
inline vf expm1(vf x) {
  vf u = exp(x);
  vf r = (u - 1.0f) * (x / log(u));
  r = u == 1.0f ? x : r;
  r = u - 1.0f == -1.0f ? splat(-1.0f) : r;
  return x > 88.0f ? u : r;
}

inline vf tanh(vf x) {
  vf ax = vabs(x);
  vf s = x * x;
  // |x| < 0.625: odd polynomial; otherwise 1 - 2/(exp(2|x|) + 1), which saturates to 1.
  vf p = splat(-5.70498872745E-3f);
  p = p * s + 2.06390887954E-2f;
  p = p * s - 5.37397155531E-2f;
  p = p * s + 1.33314422036E-1f;
  p = p * s - 3.33332819422E-1f;
  p = p * s * x + x;
  vf big = copysign(1.0f - 2.0f / (exp(ax + ax) + 1.0f), x);
  return ax < 0.625f ? p : big;
}

inline vf sigmoid(vf x) { return 1.0f / (1.0f + exp(-x)); }

// Exact square split: x*x == z2 + e, with z2 = fl(x*x) and e recovered by a Veltkamp split
// (x = hi + lo, hi with 12 significant bits, so hi*hi is exact).
inline void square2(vf x, vf& z2, vf& e) {
  z2 = x * x;
  vf hi = (vf)((vi)x & (int32_t)0xfffff000u), lo = x - hi;
  e = ((hi * hi - z2) + 2.0f * hi * lo) + lo * lo;
  e = vabs(x) < 16.0f ? e : splat(0.0f);  // beyond that exp underflows anyway; keeps inf safe
}

// erfc(a) given a^2 = z2 + e. Cephes' three ranges: 1 - erf for |a| < 1 (erf = a * T(a^2)),
// exp(-a^2)/|a| * P(1/a^2) beyond. exp(-a^2) = exp(-z2) * (1 - e) to first order: rounding a^2
// first would cost |a^2| ulps in the tail.
inline vf erfcImpl(vf a, vf z2, vf e) {
  vf x = vabs(a);
  vf t = splat(7.853861353153693E-5f);
  t = t * z2 - 8.010193625184903E-4f;
  t = t * z2 + 5.188327685732524E-3f;
  t = t * z2 - 2.685381193529856E-2f;
  t = t * z2 + 1.128358514861418E-1f;
  t = t * z2 - 3.761262582423300E-1f;
  t = t * z2 + 1.128379165726710E+0f;
  vf small = 1.0f - a * t;
  vf q = 1.0f / x;
  vf y = q * q;
  vf p = splat(2.326819970068386E-2f);
  p = p * y - 1.387039388740657E-1f;
  p = p * y + 3.687424674597105E-1f;
  p = p * y - 5.824733027278666E-1f;
  p = p * y + 6.210004621745983E-1f;
  p = p * y - 4.944515323274145E-1f;
  p = p * y + 3.404879937665872E-1f;
  p = p * y - 2.741127028184656E-1f;
  p = p * y + 5.638259427386472E-1f;
  vf r = splat(-1.047766399936249E+1f);
  r = r * y + 1.297719955372516E+1f;
  r = r * y - 7.495518717768503E+0f;
  r = r * y + 2.921019019210786E+0f;
  r = r * y - 1.015265279202700E+0f;
  r = r * y + 4.218463358204948E-1f;
  r = r * y - 2.820767439740514E-1f;
  r = r * y + 5.641895067754075E-1f;
  vf big = exp(-z2) * (1.0f - e) * q * (x < 2.0f ? p : r);
  big = a < 0.0f ? 2.0f - big : big;
  return x < 1.0f ? small : big;
}

inline vf erfc(vf a) {
  vf z2, e;
  square2(a, z2, e);
  return erfcImpl(a, z2, e);
}

// erf: x * T(x^2) below 1 (no cancellation), 1 - erfc(|x|) with the sign above.
inline vf erf(vf x) {
  vf z2, e;
  square2(x, z2, e);
  vf t = splat(7.853861353153693E-5f);
  t = t * z2 - 8.010193625184903E-4f;
  t = t * z2 + 5.188327685732524E-3f;
  t = t * z2 - 2.685381193529856E-2f;
  t = t * z2 + 1.128358514861418E-1f;
  t = t * z2 - 3.761262582423300E-1f;
  t = t * z2 + 1.128379165726710E+0f;
  vf ax = vabs(x);
  vf big = copysign(1.0f - erfcImpl(ax, z2, e), x);
  return ax < 1.0f ? x * t : big;
}

// Accuracy (float32, measured against double): ~3e-7 relative everywhere except
// -2 < x < -1 where erfc = 1 - erf cancels (up to 1.1e-6).
// gelu(x) = x * Phi(x) = 0.5 * x * erfc(-x / sqrt 2): erfc keeps relative accuracy in the
// negative tail where 1 + erf(x/sqrt 2) would cancel. a^2 = x^2 / 2 is taken from the exact x
// (halving is exact), not from the rounded a.
inline vf gelu(vf x) {
  vf z2, e;
  square2(x, z2, e);
  return 0.5f * x * erfcImpl(x * -0.70710678118654752f, 0.5f * z2, 0.5f * e);
}

// sin/cos: Cephes reduction modulo pi/4 with a 3-part pi/4; accurate for |x| <= 8192 (callers
// recompute larger or non-finite lanes with libm).
inline vf sincos(vf x, bool cosine) {
  vf ax = vabs(x);
  vi j = __builtin_convertvector(ax * 1.27323954473516f, vi);
  j = (j + 1) & ~1;
  vf y = __builtin_convertvector(j, vf);
  j = j & 7;
  vi neg;
  if (cosine) {
    neg = (j > 3) ^ (((j > 3) ? j - 4 : j) > 1);
  } else {
    neg = (x < 0.0f) ^ (j > 3);
  }
  j = j > 3 ? j - 4 : j;
  vf r = ((ax - y * 0.78515625f) - y * 2.4187564849853515625e-4f) - y * 3.77489497744594108e-8f;
  vf z = r * r;
  vf pc = ((2.443315711809948E-5f * z - 1.388731625493765E-3f) * z + 4.166664568298827E-2f) * z * z -
          0.5f * z + 1.0f;
  vf ps = ((-1.9515295891E-4f * z + 8.3321608736E-3f) * z - 1.6666654611E-1f) * z * r + r;
  vi useCos = (j == 1) | (j == 2);
  vf res = cosine ? (useCos ? ps : pc) : (useCos ? pc : ps);
  return neg ? -res : res;
}

}  // namespace vm
}  // namespace nabla
