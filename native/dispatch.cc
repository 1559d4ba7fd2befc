// The addon's entry point: picks, once per load, which ISA variant of the kernels runs.
//
// Compiled for the portable baseline (no isa.h), so it runs on any x86-64 CPU and can refuse
// cleanly. The multi-variant build (x86-64 with GCC) holds three copies of every kernel (see
// isa.h); the best one the CPU and the OS support is chosen, or the one NABLA_ISA names
// (baseline, avx2, avx512), which must be supported. A single-variant build holds one copy.
#include <node_api.h>

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(NABLA_MULTI_ISA)
namespace nabla_baseline {
napi_value registerExports(napi_env env, napi_value exports);
}
namespace nabla_avx2 {
napi_value registerExports(napi_env env, napi_value exports);
}
namespace nabla_avx512 {
napi_value registerExports(napi_env env, napi_value exports);
}
#else
namespace nabla_single {
napi_value registerExports(napi_env env, napi_value exports);
}
#endif

namespace {

using Register = napi_value (*)(napi_env, napi_value);

struct Variant {
  const char* name;
  Register registerExports;
  bool supported;
};

#if defined(NABLA_MULTI_ISA)
// __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0), so a CPU
// with AVX-512 under an OS or hypervisor that disabled it counts as not supporting it.
bool cpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("popcnt") &&
         __builtin_cpu_supports("movbe") && __builtin_cpu_supports("sse4.2");
}

bool cpuHasAvx512() {
  __builtin_cpu_init();
  return cpuHasAvx2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
}

// Best first.
const int kVariantCount = 3;
Variant variants[kVariantCount] = {
    {"avx512", nabla_avx512::registerExports, false},
    {"avx2", nabla_avx2::registerExports, false},
    {"baseline", nabla_baseline::registerExports, true},
};
void detect() {
  variants[0].supported = cpuHasAvx512();
  variants[1].supported = cpuHasAvx2();
}
#else
const int kVariantCount = 1;
Variant variants[kVariantCount] = {{"native", nabla_single::registerExports, true}};
void detect() {}
#endif

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value setString(napi_env env, napi_value object, const char* key, const char* value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) != napi_ok) return nullptr;
  if (napi_set_named_property(env, object, key, v) != napi_ok) return nullptr;
  return object;
}

napi_value init(napi_env env, napi_value exports) {
  detect();
  const Variant* chosen = nullptr;
  const char* wanted = std::getenv("NABLA_ISA");
  std::string supported;
  for (const Variant& v : variants) {
    if (!v.supported) continue;
    if (!supported.empty()) supported += ",";
    supported += v.name;
  }
  if (wanted != nullptr && wanted[0] != '\0') {
    std::string known;
    for (const Variant& v : variants) {
      if (std::strcmp(v.name, wanted) != 0) continue;
      if (!v.supported)
        return throwError(env, std::string("NABLA_ISA=") + wanted +
                                   ": this CPU does not support it (supported: " + supported +
                                   ")");
      chosen = &v;
    }
    if (chosen == nullptr) {
      for (const Variant& v : variants) known += std::string(known.empty() ? "" : ", ") + v.name;
      return throwError(env, std::string("NABLA_ISA=") + wanted +
                                 " is not a variant of this build (it has: " + known + ")");
    }
  } else {
    for (const Variant& v : variants) {
      if (v.supported) {
        chosen = &v;
        break;
      }
    }
  }
  if (chosen->registerExports(env, exports) == nullptr) return nullptr;
  if (setString(env, exports, "isa", chosen->name) == nullptr) return nullptr;
  if (setString(env, exports, "supportedIsas", supported.c_str()) == nullptr) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return init(env, exports); }
