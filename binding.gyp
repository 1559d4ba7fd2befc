# Native CPU backend of nabla (see DESIGN.md, "Backends"), built by scripts/install.mjs when no
# prebuilt binary fits, and by scripts/prebuild.mjs for the prebuilds/ folder of the package.
#
# On x86-64 Linux the addon holds every kernel three times, compiled for a portable baseline,
# AVX2+FMA and AVX-512 (static libraries nabla_isa_*, each force-including native/isa.h), and
# native/dispatch.cc picks one at load from the CPU's features: the same binary serves every
# x86-64 CPU. Elsewhere, or with NABLA_MARCH_NATIVE=1 (the bench compares the two), one variant
# is compiled for the building machine.
# NABLA_ASAN=1 builds an AddressSanitizer variant (used by `npm run asan`).
{
  "variables": {
    "nabla_asan%": "<!(node -p \"process.env.NABLA_ASAN === '1' ? 1 : 0\")",
    "nabla_march_native%": "<!(node -p \"process.env.NABLA_MARCH_NATIVE === '1' ? 1 : 0\")",
    # vmath.h's 64-byte GCC vectors live in two or four registers below AVX-512; GCC warns that
    # passing them by value then differs from the AVX-512 ABI, which never matters inside one
    # variant (nothing crosses between variants but the Node-API entry points).
    "nabla_variant_cflags": ["-Wno-psabi"],
    "nabla_kernel_sources": [
      "native/binding.cc",
      "native/napi_args.cc",
      "native/threadpool.cc",
      "native/scratch.cc",
      "native/gemm.cc",
      "native/gemm_dot.cc",
      "native/gemm_binding.cc",
      "native/conv.cc",
      "native/conv_binding.cc",
      "native/conv_batched.cc",
      "native/conv_direct.cc",
      "native/pool.cc",
      "native/norm.cc",
      "native/unary.cc",
      "native/activation.cc",
      "native/binary.cc",
      "native/copy.cc",
      "native/reduce.cc",
      "native/softmax.cc",
      "native/optim.cc",
      "native/memory.cc"
    ]
  },
  "target_defaults": {
    "include_dirs": ["native"],
    # gyp applies "cflags!" after merging, so it must not name flags added below (-O3).
    "cflags!": ["-O2"],
    "cflags_cc!": ["-std=gnu++17", "-std=c++17", "-std=gnu++20", "-fno-rtti"],
    # No -ffast-math: NaN and infinity semantics follow PyTorch's.
    "cflags": ["-O3", "-fno-math-errno", "-fPIC", "-Wall", "-Wextra", "-Wno-unused-parameter",
               "-pthread"],
    "cflags_cc": ["-std=c++17"],
    "ldflags": ["-pthread"],
    "defines": ["NAPI_VERSION=8"],
    "conditions": [
      ["nabla_asan==1", {
        "cflags": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
        "ldflags": ["-fsanitize=address"]
      }]
    ]
  },
  "conditions": [
    ["target_arch=='x64' and OS=='linux' and nabla_march_native==0", {
      "targets": [
        {
          "target_name": "nabla_native",
          "sources": ["native/dispatch.cc", "native/glibc_compat.c"],
          "defines": ["NABLA_MULTI_ISA"],
          "dependencies": ["nabla_isa_baseline", "nabla_isa_avx2", "nabla_isa_avx512"],
          # A prebuilt binary must not need the building machine's libstdc++ (older distributions
          # ship older ones): the C++ runtime is linked in (see native/glibc_compat.c).
          "ldflags": ["-static-libstdc++", "-Wl,--gc-sections"]
        },
        {
          "target_name": "nabla_isa_baseline",
          "type": "static_library",
          "sources": ["<@(nabla_kernel_sources)"],
          "defines": ["NABLA_ISA_LEVEL=0"],
          "cflags": ["-include", "isa.h", "<@(nabla_variant_cflags)"]
        },
        {
          "target_name": "nabla_isa_avx2",
          "type": "static_library",
          "sources": ["<@(nabla_kernel_sources)"],
          "defines": ["NABLA_ISA_LEVEL=1"],
          "cflags": ["-include", "isa.h", "<@(nabla_variant_cflags)"]
        },
        {
          "target_name": "nabla_isa_avx512",
          "type": "static_library",
          "sources": ["<@(nabla_kernel_sources)"],
          "defines": ["NABLA_ISA_LEVEL=2"],
          "cflags": ["-include", "isa.h", "<@(nabla_variant_cflags)"]
        }
      ]
    }, {
      "targets": [
        {
          "target_name": "nabla_native",
          "sources": ["native/dispatch.cc"],
          "dependencies": ["nabla_isa_single"]
        },
        {
          "target_name": "nabla_isa_single",
          "type": "static_library",
          "sources": ["<@(nabla_kernel_sources)"],
          "cflags": ["-include", "isa.h"],
          "conditions": [
            # Compiled where it runs: 512-bit vectors pay off on cores with full-width AVX-512
            # units, and are harmless where AVX-512 is absent.
            ["target_arch=='x64'", {
              "cflags": ["-march=native", "-mprefer-vector-width=512"]
            }],
            ["OS=='mac'", {
              "xcode_settings": {
                "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-include", "isa.h"],
                "MACOSX_DEPLOYMENT_TARGET": "11.0"
              }
            }]
          ]
        }
      ]
    }]
  ]
}
