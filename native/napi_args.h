// Argument decoding for the Node-API entry points: typed arrays (zero copy), numbers, strings,
// with bounds checks so that a wrong offset or shape from JS raises an error instead of touching
// memory outside the array.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

enum class DType { F32, F64, I32, U8, I8, U16, I16, U32, Other };

struct Arr {
  void* data = nullptr;
  int64_t length = 0;  // in elements
  DType type = DType::Other;
  int elemSize = 0;
  bool isNull = true;
  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

const char* dtypeName(DType t);

class Args {
 public:
  // Reads `expected` arguments; a call with fewer throws a TypeError naming the kernel.
  Args(napi_env env, napi_callback_info info, const char* kernel, size_t expected);

  bool ok() const { return !failed_; }
  // Throws a JS RangeError (first failure only) and marks the call failed. Always returns false.
  bool fail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  double num(size_t i);
  int64_t integer(size_t i);          // must be an integral number
  int64_t dim(size_t i);              // integral and >= 0
  bool boolean(size_t i);             // true/false (numbers: nonzero)
  std::string str(size_t i);
  bool isNullish(size_t i);
  Arr arr(size_t i, bool allowNull = false);  // any typed array
  Arr typed(size_t i, DType t, bool allowNull = false);
  Arr floating(size_t i, bool allowNull = false);  // Float32Array or Float64Array
  std::vector<Arr> arrList(size_t i, bool allowNullItems);

  // Checks that elements [off, off + count) lie inside `a` (count 0 is always fine).
  bool need(const Arr& a, int64_t off, int64_t count, const char* what);
  // Checks a 2-D strided window rows x cols with row stride ld starting at off.
  bool need2d(const Arr& a, int64_t off, int64_t rows, int64_t cols, int64_t ld, const char* what);
  bool sameType(const Arr& a, const Arr& b, const char* what);

  napi_env env;
  const char* kernel;
  size_t argc = 0;
  napi_value argv[32];

 private:
  bool failed_ = false;
};

napi_value undefined(napi_env env);

}  // namespace nabla
