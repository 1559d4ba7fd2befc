// Node-API entry points, one per exported kernel; registered in binding.cc.
#pragma once
#include <node_api.h>

namespace nabla {

#define NABLA_KERNELS(X)                                                                  \
  X(setNumThreads) X(getNumThreads) X(simdLevel)                                        \
  X(sgemm) X(sgemmBatched) X(dgemm) X(dgemmBatched)                                     \
  X(conv2dForward) X(conv2dBackwardData) X(conv2dBackwardWeight)                        \
  X(maxPool2dForward) X(maxPool2dBackward) X(avgPool2dForward) X(avgPool2dBackward)     \
  X(batchNormForwardTrain) X(batchNormForwardEval) X(batchNormBackward)                 \
  X(unary) X(unaryBackward) X(binary)                                                   \
  X(copyStrided) X(indexSelect) X(reduce) X(argReduce)                                                 \
  X(softmaxForward) X(logSoftmaxForward) X(softmaxBackward) X(logSoftmaxBackward)       \
  X(crossEntropyForward) X(crossEntropyBackward)                                        \
  X(sgdStep) X(adamStep) X(rmspropStep) X(adagradStep) X(adadeltaStep)                \
  X(im2col) X(col2im)                                                       \
  X(allocBuffer) X(releaseBuffer) X(memoryPoolStats) X(emptyMemoryPool)

#define NABLA_DECLARE(name) napi_value name(napi_env env, napi_callback_info info);
NABLA_KERNELS(NABLA_DECLARE)
#undef NABLA_DECLARE

}  // namespace nabla
