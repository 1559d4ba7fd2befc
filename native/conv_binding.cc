// JS entry points of conv2d and im2col/col2im: argument decoding and validation.
#include <type_traits>

#include "conv.h"
#include "kernels.h"
#include "napi_args.h"

namespace nabla {
namespace {

// Validates stride, dilation, groups and that OH/OW follow from the other dims.
bool readDimsCheck(Args& a, ConvDims& d) {
  if (!a.ok()) return false;
  if (d.sH < 1 || d.sW < 1 || d.dH < 1 || d.dW < 1)
    return a.fail("stride and dilation must be >= 1 (stride %lldx%lld, dilation %lldx%lld)",
                  (long long)d.sH, (long long)d.sW, (long long)d.dH, (long long)d.dW);
  if (d.groups < 1 || d.C % d.groups || d.OC % d.groups)
    return a.fail("groups=%lld must divide C=%lld and OC=%lld", (long long)d.groups,
                  (long long)d.C, (long long)d.OC);
  int64_t eh = d.H + 2 * d.pH - d.dH * (d.KH - 1) - 1, ew = d.W + 2 * d.pW - d.dW * (d.KW - 1) - 1;
  int64_t oh = eh < 0 ? 0 : eh / d.sH + 1, ow = ew < 0 ? 0 : ew / d.sW + 1;
  if (d.KH < 1 || d.KW < 1 || oh != d.OH || ow != d.OW)
    return a.fail("output size %lldx%lld does not match input %lldx%lld, kernel %lldx%lld, "
                  "stride %lldx%lld, padding %lldx%lld, dilation %lldx%lld (expected %lldx%lld)",
                  (long long)d.OH, (long long)d.OW, (long long)d.H, (long long)d.W,
                  (long long)d.KH, (long long)d.KW, (long long)d.sH, (long long)d.sW,
                  (long long)d.pH, (long long)d.pW, (long long)d.dH, (long long)d.dW,
                  (long long)oh, (long long)ow);
  return true;
}

// Argument layout shared by the three entry points: 4 arrays (the third/fourth depend on the
// pass), then N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW.
bool readDims(Args& a, size_t first, ConvDims& d) {
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.OC, &d.KH, &d.KW, &d.sH, &d.sW,
                  &d.pH, &d.pW, &d.dH, &d.dW, &d.groups, &d.OH, &d.OW};
  for (size_t i = 0; i < 16; i++) *f[i] = a.dim(first + i);
  return readDimsCheck(a, d);
}

enum class Pass { Forward, Data, Weight };

napi_value convEntry(napi_env env, napi_callback_info info, const char* name, Pass pass) {
  // Forward: (x, w, bias|null, out); Data: (gradOut, w, gradX); Weight: (gradOut, x, gradW,
  // gradBias|null). The data pass has only 3 arrays: its dims start at index 3.
  size_t first = pass == Pass::Data ? 3 : 4;
  Args a(env, info, name, first + 16);
  ConvDims d{};
  Arr a0 = a.floating(0), a1 = a.floating(1);
  Arr a2 = a.floating(2, pass == Pass::Forward);
  Arr a3 = pass == Pass::Data ? Arr{} : a.floating(3, pass == Pass::Weight);
  if (!a.ok() || !readDims(a, first, d)) return nullptr;
  for (const Arr* p : {&a1, &a2, &a3})
    if (!a.sameType(a0, *p, "conv2d arrays")) return nullptr;
  const int64_t xSize = d.N * d.C * d.H * d.W, wSize = d.OC * d.kdim(), oSize = d.N * d.OC * d.ohw();
  bool ok = true;
  if (pass == Pass::Forward)
    ok = a.need(a0, 0, xSize, "x") && a.need(a1, 0, wSize, "weight") &&
         (a2.isNull || a.need(a2, 0, d.OC, "bias")) && a.need(a3, 0, oSize, "out");
  else if (pass == Pass::Data)
    ok = a.need(a0, 0, oSize, "gradOut") && a.need(a1, 0, wSize, "weight") &&
         a.need(a2, 0, xSize, "gradX");
  else
    ok = a.need(a0, 0, oSize, "gradOut") && a.need(a1, 0, xSize, "x") &&
         a.need(a2, 0, wSize, "gradWeight") && (a3.isNull || a.need(a3, 0, d.OC, "gradBias"));
  if (!ok) return nullptr;
  auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    if (pass == Pass::Forward)
      convForward<T>(d, a0.as<T>(), a1.as<T>(), a2.isNull ? nullptr : a2.as<T>(), a3.as<T>());
    else if (pass == Pass::Data)
      convBackwardData<T>(d, a0.as<T>(), a1.as<T>(), a2.as<T>());
    else
      convBackwardWeight<T>(d, a0.as<T>(), a1.as<T>(), a2.as<T>(), a3.isNull ? nullptr : a3.as<T>());
  };
  if (a0.type == DType::F32)
    run(static_cast<float*>(nullptr));
  else
    run(static_cast<double*>(nullptr));
  return undefined(env);
}

// im2col(x, cols, N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW) and col2im(cols, x, ...):
// the same layout as conv's columns, one [C*KH*KW, OH*OW] block per image.
napi_value windowEntry(napi_env env, napi_callback_info info, const char* name, bool toCols) {
  Args a(env, info, name, 16);
  Arr a0 = a.floating(0), a1 = a.floating(1);
  ConvDims d{};
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.KH, &d.KW, &d.sH, &d.sW,
                  &d.pH, &d.pW, &d.dH, &d.dW, &d.OH, &d.OW};
  for (size_t i = 0; i < 14; i++) *f[i] = a.dim(2 + i);
  d.groups = 1;
  d.OC = 1;
  if (!a.ok() || !a.sameType(a0, a1, name) || !readDimsCheck(a, d)) return nullptr;
  const int64_t xSize = d.N * d.C * d.H * d.W, block = d.C * d.KH * d.KW * d.ohw();
  const Arr& x = toCols ? a0 : a1;
  const Arr& cols = toCols ? a1 : a0;
  if (!a.need(x, 0, xSize, "x") || !a.need(cols, 0, d.N * block, "cols")) return nullptr;
  auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    if (toCols)
      im2colBatch<T>(d, x.as<T>(), cols.as<T>());
    else
      col2imBatch<T>(d, cols.as<T>(), x.as<T>());
  };
  if (a0.type == DType::F32)
    run(static_cast<float*>(nullptr));
  else
    run(static_cast<double*>(nullptr));
  return undefined(env);
}

}  // namespace

napi_value im2col(napi_env env, napi_callback_info info) {
  return windowEntry(env, info, "im2col", true);
}
napi_value col2im(napi_env env, napi_callback_info info) {
  return windowEntry(env, info, "col2im", false);
}

napi_value conv2dForward(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dForward", Pass::Forward);
}
napi_value conv2dBackwardData(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dBackwardData", Pass::Data);
}
napi_value conv2dBackwardWeight(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dBackwardWeight", Pass::Weight);
}

}  // namespace nabla
