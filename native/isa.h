// Compiles one file of the addon for one instruction-set variant. binding.gyp force-includes this
// header first (`-include isa.h`) into every kernel file, once per variant, so that one binary
// holds the whole addon three times (portable baseline, AVX2+FMA, AVX-512) and dispatch.cc picks
// the one the CPU runs at load time: a prebuilt binary cannot assume `-march=native`.
//
// NABLA_ISA_LEVEL (set by binding.gyp): 0 baseline, 1 AVX2+FMA (x86-64-v3), 2 AVX-512
// (x86-64-v4); unset in a single-variant build, where the compiler flags decide.
//
// Why a pragma after every standard header, and not per-file -m flags: inline functions and
// templates (std::vector, std::sort, v8.h) are emitted in every object that uses them and the
// linker keeps one copy. Compiled with AVX-512 flags, that kept copy could be the one the
// baseline code calls, and fault on an older CPU. Headers included here, before the pragma, are
// compiled for the baseline in every variant; only code after it (ours) gets the wider ISA.
// Adding a standard header to a kernel file means adding it here too (test/backend/native
// checks that).
#pragma once

#include <node_api.h>
#include <sys/mman.h>
#include <unistd.h>
#include <v8.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#if defined(NABLA_ISA_LEVEL)
// Each variant's code lives in its own namespace: the same inline function compiled for two ISAs
// must not be merged by the linker. binding.gyp builds the variants only with GCC (Clang's
// equivalent, `#pragma clang attribute push`, must be popped before the end of each file).
#if !defined(__GNUC__) || defined(__clang__)
#error "nabla: the multi-variant build needs GCC's target pragma; build with NABLA_MARCH_NATIVE=1"
#endif
#if NABLA_ISA_LEVEL == 2
// prfchw (PREFETCHW, for lines about to be written) is on every CPU with AVX-512.
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx2,fma,f16c,bmi,bmi2,lzcnt,movbe,popcnt,sse4.2,prfchw,prefer-vector-width=512")
#define nabla nabla_avx512
#define NABLA_AVX512 1
#define NABLA_AVX2 1
#elif NABLA_ISA_LEVEL == 1
#pragma GCC target("avx2,fma,f16c,bmi,bmi2,lzcnt,movbe,popcnt,sse4.2")
#define nabla nabla_avx2
#define NABLA_AVX2 1
#elif NABLA_ISA_LEVEL == 0
#define nabla nabla_baseline
#else
#error "nabla: NABLA_ISA_LEVEL must be 0, 1 or 2"
#endif
#else
// A single-variant build (non-x86 machines, NABLA_MARCH_NATIVE=1, or a compiler other than GCC):
// the compiler's own target macros say what the code may use.
#define nabla nabla_single
#if defined(__AVX512F__)
#define NABLA_AVX512 1
#endif
#if defined(__AVX2__) && defined(__FMA__)
#define NABLA_AVX2 1
#endif
#endif
