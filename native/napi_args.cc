#include "napi_args.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace nabla {

const char* dtypeName(DType t) {
  switch (t) {
    case DType::F32: return "Float32Array";
    case DType::F64: return "Float64Array";
    case DType::I32: return "Int32Array";
    case DType::U8: return "Uint8Array";
    case DType::I8: return "Int8Array";
    case DType::U16: return "Uint16Array";
    case DType::I16: return "Int16Array";
    case DType::U32: return "Uint32Array";
    default: return "unsupported typed array";
  }
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

Args::Args(napi_env e, napi_callback_info info, const char* k, size_t expected) : env(e), kernel(k) {
  argc = 32;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) {
    fail("cannot read arguments");
    return;
  }
  if (argc < expected) fail("expected %zu arguments, got %zu", expected, argc);
}

bool Args::fail(const char* fmt, ...) {
  if (failed_) return false;
  failed_ = true;
  char msg[512];
  int n = snprintf(msg, sizeof msg, "nabla native %s: ", kernel);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - n, fmt, ap);
  va_end(ap);
  napi_throw_range_error(env, nullptr, msg);
  return false;
}

double Args::num(size_t i) {
  double v = 0;
  if (failed_) return 0;
  if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) {
    bool b;
    // Booleans are accepted where numbers are expected (flags passed as true/false).
    if (i < argc && napi_get_value_bool(env, argv[i], &b) == napi_ok) return b ? 1 : 0;
    fail("argument %zu must be a number", i);
  }
  return v;
}

int64_t Args::integer(size_t i) {
  double v = num(i);
  if (failed_) return 0;
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740991.0) {
    fail("argument %zu must be an integer, got %g", i, v);
    return 0;
  }
  return static_cast<int64_t>(v);
}

int64_t Args::dim(size_t i) {
  int64_t v = integer(i);
  if (!failed_ && v < 0) fail("argument %zu must be >= 0, got %lld", i, (long long)v);
  return v;
}

bool Args::boolean(size_t i) {
  if (failed_ || i >= argc) return false;
  bool b;
  if (napi_get_value_bool(env, argv[i], &b) == napi_ok) return b;
  double d;
  if (napi_get_value_double(env, argv[i], &d) == napi_ok) return d != 0;
  fail("argument %zu must be a boolean", i);
  return false;
}

std::string Args::str(size_t i) {
  if (failed_) return {};
  char buf[64];
  size_t len = 0;
  if (i >= argc || napi_get_value_string_utf8(env, argv[i], buf, sizeof buf, &len) != napi_ok) {
    fail("argument %zu must be a string", i);
    return {};
  }
  return std::string(buf, len);
}

bool Args::isNullish(size_t i) {
  if (i >= argc) return true;
  napi_valuetype t;
  if (napi_typeof(env, argv[i], &t) != napi_ok) return false;
  return t == napi_null || t == napi_undefined;
}

static bool decode(napi_env env, napi_value v, Arr& out) {
  bool isTa = false;
  if (napi_is_typedarray(env, v, &isTa) != napi_ok || !isTa) return false;
  napi_typedarray_type t;
  size_t len;
  void* data;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, nullptr, nullptr) != napi_ok) return false;
  out.data = data;
  out.length = static_cast<int64_t>(len);
  out.isNull = false;
  switch (t) {
    case napi_float32_array: out.type = DType::F32; out.elemSize = 4; break;
    case napi_float64_array: out.type = DType::F64; out.elemSize = 8; break;
    case napi_int32_array: out.type = DType::I32; out.elemSize = 4; break;
    case napi_uint32_array: out.type = DType::U32; out.elemSize = 4; break;
    case napi_uint8_array:
    case napi_uint8_clamped_array: out.type = DType::U8; out.elemSize = 1; break;
    case napi_int8_array: out.type = DType::I8; out.elemSize = 1; break;
    case napi_uint16_array: out.type = DType::U16; out.elemSize = 2; break;
    case napi_int16_array: out.type = DType::I16; out.elemSize = 2; break;
    case napi_bigint64_array:
    case napi_biguint64_array: out.type = DType::Other; out.elemSize = 8; break;
    default: out.type = DType::Other; out.elemSize = 0; break;
  }
  return true;
}

Arr Args::arr(size_t i, bool allowNull) {
  Arr a;
  if (failed_) return a;
  if (allowNull && isNullish(i)) return a;
  if (i >= argc || !decode(env, argv[i], a)) fail("argument %zu must be a typed array", i);
  return a;
}

Arr Args::typed(size_t i, DType t, bool allowNull) {
  Arr a = arr(i, allowNull);
  if (!failed_ && !a.isNull && a.type != t)
    fail("argument %zu must be a %s, got %s", i, dtypeName(t), dtypeName(a.type));
  return a;
}

Arr Args::floating(size_t i, bool allowNull) {
  Arr a = arr(i, allowNull);
  if (!failed_ && !a.isNull && a.type != DType::F32 && a.type != DType::F64)
    fail("argument %zu must be a Float32Array or Float64Array, got %s", i, dtypeName(a.type));
  return a;
}

std::vector<Arr> Args::arrList(size_t i, bool allowNullItems) {
  std::vector<Arr> out;
  if (failed_) return out;
  bool isArray = false;
  if (i >= argc || napi_is_array(env, argv[i], &isArray) != napi_ok || !isArray) {
    fail("argument %zu must be an array of typed arrays", i);
    return out;
  }
  uint32_t n = 0;
  napi_get_array_length(env, argv[i], &n);
  out.resize(n);
  for (uint32_t j = 0; j < n; j++) {
    napi_value v;
    napi_get_element(env, argv[i], j, &v);
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (allowNullItems && (t == napi_null || t == napi_undefined)) continue;
    if (!decode(env, v, out[j])) {
      fail("argument %zu[%u] must be a typed array", i, j);
      return out;
    }
  }
  return out;
}

bool Args::need(const Arr& a, int64_t off, int64_t count, const char* what) {
  if (failed_) return false;
  if (count <= 0) return true;
  if (a.isNull) return fail("%s is null", what);
  if (off < 0 || off > a.length || count > a.length - off)
    return fail("%s needs elements [%lld, %lld) but has length %lld", what, (long long)off,
                (long long)(off + count), (long long)a.length);
  return true;
}

bool Args::need2d(const Arr& a, int64_t off, int64_t rows, int64_t cols, int64_t ld,
                  const char* what) {
  if (failed_) return false;
  if (rows <= 0 || cols <= 0) return true;
  if (ld < cols) return fail("%s: leading dimension %lld < %lld columns", what, (long long)ld,
                             (long long)cols);
  return need(a, off, (rows - 1) * ld + cols, what);
}

bool Args::sameType(const Arr& a, const Arr& b, const char* what) {
  if (failed_) return false;
  if (a.isNull || b.isNull) return true;
  if (a.type != b.type)
    return fail("%s: %s and %s cannot be mixed", what, dtypeName(a.type), dtypeName(b.type));
  return true;
}

}  // namespace nabla
