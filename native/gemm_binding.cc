// JS entry points for GEMM and the thread pool.
#include "gemm.h"
#include "kernels.h"
#include "napi_args.h"
#include "simd.h"
#include "threadpool.h"

namespace nabla {

napi_value setNumThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setNumThreads", 1);
  int64_t n = a.integer(0);
  if (!a.ok()) return nullptr;
  if (inParallelRegion()) {
    a.fail("cannot be called from inside a parallel region");
    return nullptr;
  }
  nabla::setNumThreads(static_cast<int>(n > 1024 ? 1024 : n));
  return undefined(env);
}

napi_value getNumThreads(napi_env env, napi_callback_info info) {
  napi_value r;
  napi_create_int32(env, numThreads(), &r);
  return r;
}

napi_value simdLevel(napi_env env, napi_callback_info info) {
  napi_value r;
  napi_create_string_utf8(env, NABLA_SIMD_NAME, NAPI_AUTO_LENGTH, &r);
  return r;
}

namespace {

// Shared decoding of (transA, transB, M, N, K, alpha, A, aOff, [strideA,] lda, ...) for both
// plain and batched GEMM; batched=false means batch=1 and no strides.
template <class T>
napi_value gemmEntry(napi_env env, napi_callback_info info, const char* name, bool batched) {
  DType dt = sizeof(T) == 4 ? DType::F32 : DType::F64;
  Args a(env, info, name, batched ? 20 : 16);
  size_t i = 0;
  int64_t batch = batched ? a.dim(i++) : 1;
  bool ta = a.boolean(i++), tb = a.boolean(i++);
  int64_t M = a.dim(i++), N = a.dim(i++), K = a.dim(i++);
  T alpha = static_cast<T>(a.num(i++));
  Arr A = a.typed(i++, dt);
  int64_t aOff = a.dim(i++);
  int64_t sA = batched ? a.dim(i++) : 0;
  int64_t lda = a.dim(i++);
  Arr B = a.typed(i++, dt);
  int64_t bOff = a.dim(i++);
  int64_t sB = batched ? a.dim(i++) : 0;
  int64_t ldb = a.dim(i++);
  T beta = static_cast<T>(a.num(i++));
  Arr C = a.typed(i++, dt);
  int64_t cOff = a.dim(i++);
  int64_t sC = batched ? a.dim(i++) : 0;
  int64_t ldc = a.dim(i++);
  if (!a.ok()) return nullptr;
  if (batch == 0 || M == 0 || N == 0) return undefined(env);
  if (K > 0) {
    int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
    if (!a.need2d(A, aOff + (batch - 1) * sA, ar, ac, lda, "A")) return nullptr;
    if (!a.need2d(B, bOff + (batch - 1) * sB, br, bc, ldb, "B")) return nullptr;
  }
  if (!a.need2d(C, cOff + (batch - 1) * sC, M, N, ldc, "C")) return nullptr;
  if (batch > 1 && sC < (M - 1) * ldc + N) {
    a.fail("strideC %lld makes the output matrices overlap", (long long)sC);
    return nullptr;
  }
  const T* pa = A.as<T>() + aOff;
  const T* pb = B.as<T>() + bOff;
  T* pc = C.as<T>() + cOff;
  if (batched)
    gemmBatched<T>(batch, ta, tb, M, N, K, alpha, pa, sA, lda, pb, sB, ldb, beta, pc, sC, ldc);
  else
    gemm<T>(ta, tb, M, N, K, alpha, pa, lda, pb, ldb, beta, pc, ldc);
  return undefined(env);
}

}  // namespace

napi_value sgemm(napi_env env, napi_callback_info info) {
  return gemmEntry<float>(env, info, "sgemm", false);
}
napi_value sgemmBatched(napi_env env, napi_callback_info info) {
  return gemmEntry<float>(env, info, "sgemmBatched", true);
}
napi_value dgemm(napi_env env, napi_callback_info info) {
  return gemmEntry<double>(env, info, "dgemm", false);
}
napi_value dgemmBatched(napi_env env, napi_callback_info info) {
  return gemmEntry<double>(env, info, "dgemmBatched", true);
}

}  // namespace nabla
