// Fused optimiser steps over many parameters at once, with torch.optim's exact update order
// (SGD with momentum/dampening/nesterov/weight decay/maximize; Adam and AdamW with amsgrad).
// All parameters' elements are cut into fixed chunks that the pool processes in one job.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"

namespace nabla {
namespace {

constexpr int64_t kChunk = 1 << 15;

struct Chunk {
  size_t param;
  int64_t begin, end;
};

std::vector<Chunk> chunksOf(const std::vector<Arr>& params) {
  std::vector<Chunk> out;
  for (size_t p = 0; p < params.size(); p++)
    for (int64_t b = 0; b < params[p].length; b += kChunk)
      out.push_back({p, b, std::min(params[p].length, b + kChunk)});
  return out;
}

// All per-parameter arrays must match the parameter in type and length.
bool checkList(Args& a, const std::vector<Arr>& params, const std::vector<Arr>& list,
               const char* what, bool allowNull) {
  if (!a.ok()) return false;
  if (list.size() != params.size())
    return a.fail("%s has %zu entries for %zu parameters", what, list.size(), params.size());
  for (size_t i = 0; i < params.size(); i++) {
    if (list[i].isNull) {
      if (allowNull) continue;
      return a.fail("%s[%zu] is null", what, i);
    }
    if (list[i].type != params[i].type || list[i].length != params[i].length)
      return a.fail("%s[%zu] is a %s of length %lld but parameter %zu is a %s of length %lld",
                    what, i, dtypeName(list[i].type), (long long)list[i].length, i,
                    dtypeName(params[i].type), (long long)params[i].length);
  }
  return true;
}

bool checkParams(Args& a, const std::vector<Arr>& params) {
  if (!a.ok()) return false;
  for (size_t i = 0; i < params.size(); i++)
    if (params[i].type != DType::F32 && params[i].type != DType::F64)
      return a.fail("parameter %zu is a %s (Float32Array or Float64Array expected)", i,
                    dtypeName(params[i].type));
  return true;
}

struct SgdCfg {
  double lr, momentum, dampening, wd;
  bool nesterov, maximize, first;
};

template <class T>
void sgdRange(const SgdCfg& c, T* p, const T* g, T* buf, int64_t n) {
  const T lr = T(c.lr), mom = T(c.momentum), damp = T(1 - c.dampening), wd = T(c.wd);
  for (int64_t i = 0; i < n; i++) {
    T d = c.maximize ? -g[i] : g[i];
    if (c.wd != 0) d = d + wd * p[i];
    if (c.momentum != 0) {
      // First step: buf = clone(grad); later: buf = momentum*buf + (1-dampening)*grad.
      T b = c.first ? d : mom * buf[i] + damp * d;
      buf[i] = b;
      d = c.nesterov ? d + mom * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

struct AdamCfg {
  double lr, beta1, beta2, eps, wd, step;
  bool amsgrad, maximize, decoupled;
};

template <class T>
void adamRange(const AdamCfg& c, T* p, const T* g, T* m, T* v, T* vmax, int64_t n) {
  // Scalars computed in double as Python does, then used at the tensor's precision.
  const double bc1 = 1 - std::pow(c.beta1, c.step), bc2 = 1 - std::pow(c.beta2, c.step);
  const T stepSize = T(c.lr / bc1), bc2sqrt = T(std::sqrt(bc2));
  const T w1 = T(1 - c.beta1), b2 = T(c.beta2), w2 = T(1 - c.beta2), eps = T(c.eps);
  const T wd = T(c.wd), decay = T(1 - c.lr * c.wd);
  for (int64_t i = 0; i < n; i++) {
    T d = c.maximize ? -g[i] : g[i];
    if (c.wd != 0) {
      if (c.decoupled)
        p[i] = p[i] * decay;  // AdamW: param.mul_(1 - lr*weight_decay)
      else
        d = d + wd * p[i];  // Adam: grad.add(param, alpha=weight_decay)
    }
    // exp_avg.lerp_(grad, 1-beta1), in lerp's two-sided form.
    T mi = m[i];
    mi = w1 < T(0.5) ? mi + w1 * (d - mi) : d - (d - mi) * (T(1) - w1);
    m[i] = mi;
    T vi = v[i] * b2 + w2 * d * d;
    v[i] = vi;
    if (c.amsgrad) {
      vi = std::max(vmax[i], vi);
      vmax[i] = vi;
    }
    T denom = std::sqrt(vi) / bc2sqrt + eps;
    p[i] = p[i] + (-stepSize) * mi / denom;
  }
}

struct RmsCfg {
  double lr, alpha, eps, wd, momentum;
  bool centered, maximize;
};

// torch.optim.RMSprop: square_avg = alpha*sq + (1-alpha)*g^2; centered subtracts grad_avg^2
// (grad_avg.lerp_(g, 1-alpha)); momentum accumulates g/avg before the step.
template <class T>
void rmspropRange(const RmsCfg& c, T* p, const T* g, T* sq, T* ga, T* buf, int64_t n) {
  const T lr = T(c.lr), a = T(c.alpha), w = T(1 - c.alpha), eps = T(c.eps), wd = T(c.wd);
  const T mom = T(c.momentum);
  for (int64_t i = 0; i < n; i++) {
    T d = c.maximize ? -g[i] : g[i];
    if (c.wd != 0) d = d + wd * p[i];
    T s = sq[i] * a + w * d * d;
    sq[i] = s;
    T avg;
    if (ga) {
      T gi = ga[i] + w * (d - ga[i]);
      ga[i] = gi;
      avg = std::sqrt(s - gi * gi);
    } else {
      avg = std::sqrt(s);
    }
    avg = avg + eps;
    if (buf) {
      T b = buf[i] * mom + d / avg;
      buf[i] = b;
      p[i] = p[i] - lr * b;
    } else {
      p[i] = p[i] - lr * d / avg;
    }
  }
}

// torch.optim.Adagrad: state_sum += g^2; p -= clr * g / (sqrt(state_sum) + eps).
template <class T>
void adagradRange(double clr, double wd, double eps, bool maximize, T* p, const T* g, T* s, int64_t n) {
  const T tl = T(clr), tw = T(wd), te = T(eps);
  for (int64_t i = 0; i < n; i++) {
    T d = maximize ? -g[i] : g[i];
    if (wd != 0) d = d + tw * p[i];
    T si = s[i] + d * d;
    s[i] = si;
    p[i] = p[i] - tl * d / (std::sqrt(si) + te);
  }
}

// torch.optim.Adadelta: delta = sqrt(acc + eps) / sqrt(sq + eps) * g, both averages with rho.
template <class T>
void adadeltaRange(double lr, double rho, double eps, double wd, bool maximize, T* p, const T* g,
                   T* sq, T* acc, int64_t n) {
  const T tl = T(lr), r = T(rho), w = T(1 - rho), te = T(eps), tw = T(wd);
  for (int64_t i = 0; i < n; i++) {
    T d = maximize ? -g[i] : g[i];
    if (wd != 0) d = d + tw * p[i];
    T s = sq[i] * r + w * d * d;
    sq[i] = s;
    T delta = std::sqrt(acc[i] + te) / std::sqrt(s + te) * d;
    acc[i] = acc[i] * r + w * delta * delta;
    p[i] = p[i] - tl * delta;
  }
}

// Runs f(chunk, T-tag) over every chunk of every parameter, dispatching on its dtype.
template <class F>
void forChunks(const std::vector<Arr>& params, F&& f) {
  std::vector<Chunk> chunks = chunksOf(params);
  parallelTasks(static_cast<int64_t>(chunks.size()), [&](int64_t t) {
    const Chunk& k = chunks[t];
    if (params[k.param].type == DType::F32)
      f(k, static_cast<float*>(nullptr));
    else
      f(k, static_cast<double*>(nullptr));
  });
}

template <class T>
T* at(const Arr& a, int64_t off) {
  return a.isNull ? nullptr : a.as<T>() + off;
}

}  // namespace

// sgdStep(params, grads, momentumBufs, lr, momentum, dampening, weightDecay, nesterov, maximize,
//         firstStep)
napi_value sgdStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "sgdStep", 10);
  std::vector<Arr> params = a.arrList(0, false), grads = a.arrList(1, false);
  std::vector<Arr> bufs = a.isNullish(2) ? std::vector<Arr>(params.size()) : a.arrList(2, true);
  SgdCfg c{a.num(3), a.num(4), a.num(5), a.num(6), a.boolean(7), a.boolean(8), a.boolean(9)};
  if (!checkParams(a, params) || !checkList(a, params, grads, "grads", false) ||
      !checkList(a, params, bufs, "momentumBufs", c.momentum == 0))
    return nullptr;
  if (c.nesterov && (c.momentum <= 0 || c.dampening != 0))
    return a.fail("nesterov momentum requires a momentum and zero dampening"), nullptr;
  std::vector<Chunk> chunks = chunksOf(params);
  parallelTasks(static_cast<int64_t>(chunks.size()), [&](int64_t t) {
    const Chunk& k = chunks[t];
    const Arr &p = params[k.param], &g = grads[k.param], &b = bufs[k.param];
    int64_t n = k.end - k.begin;
    if (p.type == DType::F32)
      sgdRange<float>(c, p.as<float>() + k.begin, g.as<float>() + k.begin,
                      b.isNull ? nullptr : b.as<float>() + k.begin, n);
    else
      sgdRange<double>(c, p.as<double>() + k.begin, g.as<double>() + k.begin,
                       b.isNull ? nullptr : b.as<double>() + k.begin, n);
  });
  return undefined(env);
}

// adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq|null, lr, beta1, beta2, eps, weightDecay,
//          amsgrad, maximize, step, decoupled)
napi_value adamStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "adamStep", 14);
  std::vector<Arr> params = a.arrList(0, false), grads = a.arrList(1, false);
  std::vector<Arr> m = a.arrList(2, false), v = a.arrList(3, false);
  std::vector<Arr> vmax = a.isNullish(4) ? std::vector<Arr>(params.size()) : a.arrList(4, true);
  AdamCfg c{a.num(5), a.num(6), a.num(7), a.num(8), a.num(9), a.num(12),
            a.boolean(10), a.boolean(11), a.boolean(13)};
  if (!checkParams(a, params) || !checkList(a, params, grads, "grads", false) ||
      !checkList(a, params, m, "expAvg", false) || !checkList(a, params, v, "expAvgSq", false) ||
      !checkList(a, params, vmax, "maxExpAvgSq", !c.amsgrad))
    return nullptr;
  if (!(c.step >= 1)) return a.fail("step must be >= 1, got %g", c.step), nullptr;
  std::vector<Chunk> chunks = chunksOf(params);
  parallelTasks(static_cast<int64_t>(chunks.size()), [&](int64_t t) {
    const Chunk& k = chunks[t];
    size_t i = k.param;
    int64_t n = k.end - k.begin, b = k.begin;
    if (params[i].type == DType::F32)
      adamRange<float>(c, params[i].as<float>() + b, grads[i].as<float>() + b,
                       m[i].as<float>() + b, v[i].as<float>() + b,
                       c.amsgrad ? vmax[i].as<float>() + b : nullptr, n);
    else
      adamRange<double>(c, params[i].as<double>() + b, grads[i].as<double>() + b,
                        m[i].as<double>() + b, v[i].as<double>() + b,
                        c.amsgrad ? vmax[i].as<double>() + b : nullptr, n);
  });
  return undefined(env);
}

// rmspropStep(params, grads, squareAvgs, gradAvgs|null, momentumBufs|null, lr, alpha, eps,
//             weightDecay, momentum, centered, maximize)
napi_value rmspropStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "rmspropStep", 12);
  std::vector<Arr> params = a.arrList(0, false), grads = a.arrList(1, false);
  std::vector<Arr> sq = a.arrList(2, false);
  RmsCfg c{a.num(5), a.num(6), a.num(7), a.num(8), a.num(9), a.boolean(10), a.boolean(11)};
  std::vector<Arr> ga = a.isNullish(3) ? std::vector<Arr>(params.size()) : a.arrList(3, false);
  std::vector<Arr> buf = a.isNullish(4) ? std::vector<Arr>(params.size()) : a.arrList(4, false);
  if (!checkParams(a, params) || !checkList(a, params, grads, "grads", false) ||
      !checkList(a, params, sq, "squareAvgs", false) ||
      !checkList(a, params, ga, "gradAvgs", !c.centered) ||
      !checkList(a, params, buf, "momentumBufs", !(c.momentum > 0)))
    return nullptr;
  forChunks(params, [&](const Chunk& k, auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    size_t i = k.param;
    int64_t b = k.begin;
    rmspropRange<T>(c, at<T>(params[i], b), at<T>(grads[i], b), at<T>(sq[i], b),
                    c.centered ? at<T>(ga[i], b) : nullptr, c.momentum > 0 ? at<T>(buf[i], b) : nullptr,
                    k.end - b);
  });
  return undefined(env);
}

// adagradStep(params, grads, stateSums, lr, lrDecay, weightDecay, eps, maximize, step)
napi_value adagradStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "adagradStep", 9);
  std::vector<Arr> params = a.arrList(0, false), grads = a.arrList(1, false);
  std::vector<Arr> sums = a.arrList(2, false);
  double lr = a.num(3), lrDecay = a.num(4), wd = a.num(5), eps = a.num(6), step = a.num(8);
  bool maximize = a.boolean(7);
  if (!checkParams(a, params) || !checkList(a, params, grads, "grads", false) ||
      !checkList(a, params, sums, "stateSums", false))
    return nullptr;
  if (!(step >= 1)) return a.fail("step must be >= 1, got %g", step), nullptr;
  const double clr = lr / (1 + (step - 1) * lrDecay);
  forChunks(params, [&](const Chunk& k, auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    size_t i = k.param;
    int64_t b = k.begin;
    adagradRange<T>(clr, wd, eps, maximize, at<T>(params[i], b), at<T>(grads[i], b),
                    at<T>(sums[i], b), k.end - b);
  });
  return undefined(env);
}

// adadeltaStep(params, grads, squareAvgs, accDeltas, lr, rho, eps, weightDecay, maximize)
napi_value adadeltaStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "adadeltaStep", 9);
  std::vector<Arr> params = a.arrList(0, false), grads = a.arrList(1, false);
  std::vector<Arr> sq = a.arrList(2, false), acc = a.arrList(3, false);
  double lr = a.num(4), rho = a.num(5), eps = a.num(6), wd = a.num(7);
  bool maximize = a.boolean(8);
  if (!checkParams(a, params) || !checkList(a, params, grads, "grads", false) ||
      !checkList(a, params, sq, "squareAvgs", false) || !checkList(a, params, acc, "accDeltas", false))
    return nullptr;
  forChunks(params, [&](const Chunk& k, auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    size_t i = k.param;
    int64_t b = k.begin;
    adadeltaRange<T>(lr, rho, eps, wd, maximize, at<T>(params[i], b), at<T>(grads[i], b),
                     at<T>(sq[i], b), at<T>(acc[i], b), k.end - b);
  });
  return undefined(env);
}

}  // namespace nabla
