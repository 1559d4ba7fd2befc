// The addon's entry point: picks, once per load, which ISA variant of the kernels runs.
//
// Compiled for the portable baseline (no isa.h), so it runs on any x86-64 CPU and can refuse
// cleanly. The multi-variant build (x86-64 with GCC) holds three copies of every kernel (see
// isa.h); the best one the CPU and the OS support is chosen, or the one NABLA_ISA names
// (baseline, avx2, avx512), which must be supported. A single-variant build holds one copy.
#include <node_api.h>

#include <cctype>
#include <cstdlib>
#include <string>
#if defined(NABLA_MULTI_ISA)
#include <cpuid.h>
#endif

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
// CPUID and XGETBV read directly (GCC's __builtin_cpu_supports lacks some of these names before
// GCC 11). A feature counts only when the OS also saves its registers on a context switch
// (XCR0): a hypervisor may hide AVX-512 state from a CPU that has the instructions.
struct CpuFeatures {
  bool avx2 = false;    // AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE, POPCNT, SSE4.2: isa.h's level 1
  bool avx512 = false;  // level 1, AVX-512 F/BW/DQ/VL/CD and PREFETCHW: level 2
};

unsigned long long readXcr0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detectCpu() {
  CpuFeatures f;
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool sse42 = c & (1u << 20), popcnt = c & (1u << 23), fma = c & (1u << 12);
  const bool movbe = c & (1u << 22), f16c = c & (1u << 29), avx = c & (1u << 28);
  const bool osxsave = c & (1u << 27);
  if (!osxsave || !avx) return f;
  const unsigned long long xcr0 = readXcr0();
  const bool osYmm = (xcr0 & 0x6) == 0x6;       // SSE and AVX state
  const bool osZmm = (xcr0 & 0xe6) == 0xe6;     // and opmask, ZMM0-15 upper halves, ZMM16-31
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5), bmi1 = b & (1u << 3), bmi2 = b & (1u << 8);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512cd = b & (1u << 28);
  const bool avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  bool lzcnt = false, prfchw = false;
  if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
    lzcnt = c & (1u << 5);
    prfchw = c & (1u << 8);
  }
  f.avx2 = osYmm && avx2 && fma && f16c && bmi1 && bmi2 && lzcnt && movbe && popcnt && sse42;
  f.avx512 = f.avx2 && osZmm && avx512f && avx512bw && avx512dq && avx512vl && avx512cd && prfchw;
  return f;
}

// Best first.
const int kVariantCount = 3;
const Variant* variantTable() {
  // Detected once per process, whatever the number of threads that load the addon.
  static const CpuFeatures cpu = detectCpu();
  static const Variant variants[kVariantCount] = {
      {"avx512", nabla_avx512::registerExports, cpu.avx512},
      {"avx2", nabla_avx2::registerExports, cpu.avx2},
      {"baseline", nabla_baseline::registerExports, true},
  };
  return variants;
}
#else
const int kVariantCount = 1;
const Variant* variantTable() {
  static const Variant variants[kVariantCount] = {
      {"native", nabla_single::registerExports, true}};
  return variants;
}
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
  const Variant* variants = variantTable();
  const Variant* chosen = nullptr;
  std::string wanted = std::getenv("NABLA_ISA") != nullptr ? std::getenv("NABLA_ISA") : "";
  for (char& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string supported;
  for (int i = 0; i < kVariantCount; i++) {
    const Variant& v = variants[i];
    if (!v.supported) continue;
    if (!supported.empty()) supported += ",";
    supported += v.name;
  }
  if (!wanted.empty()) {
    std::string known;
    for (int i = 0; i < kVariantCount; i++) {
      const Variant& v = variants[i];
      if (wanted != v.name) continue;
      if (!v.supported)
        return throwError(env, std::string("NABLA_ISA=") + wanted +
                                   ": this CPU does not support it (supported: " + supported +
                                   ")");
      chosen = &v;
    }
    if (chosen == nullptr) {
      for (int i = 0; i < kVariantCount; i++)
        known += std::string(known.empty() ? "" : ", ") + variants[i].name;
      return throwError(env, std::string("NABLA_ISA=") + wanted +
                                 " is not a variant of this build (it has: " + known + ")");
    }
  } else {
    for (int i = 0; i < kVariantCount && chosen == nullptr; i++)
      if (variants[i].supported) chosen = &variants[i];
  }
  if (chosen->registerExports(env, exports) == nullptr) return nullptr;
  if (setString(env, exports, "isa", chosen->name) == nullptr) return nullptr;
  if (setString(env, exports, "supportedIsas", supported.c_str()) == nullptr) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return init(env, exports); }
