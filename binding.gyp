# Native CPU backend of nabla (see DESIGN.md, "Backends"), built by scripts/install.mjs when no
# prebuilt binary fits, and by scripts/prebuild.mjs for the prebuilds/ folder of the package.
#
# On x86-64 Linux the addon holds every kernel three times, compiled for a portable baseline,
# AVX2+FMA and AVX-512 (static libraries nabla_isa_*, each force-including native/isa.h), and
# native/dispatch.cc picks one at load from the CPU's features: the same binary serves every
# x86-64 CPU. Elsewhere one variant is compiled for the target's baseline (NEON on arm64), or for
# the building machine on x86-64 Linux with NABLA_MARCH_NATIVE=1 (the bench compares the two) or
# with a compiler other than GCC.
# The C++ standard is node-gyp's choice: C++17 for Node 20 and 22, C++20 from Node 23 (its
# headers need it).
# NABLA_ASAN=1 builds an AddressSanitizer variant (used by `npm run asan`).
{
  "variables": {
    "nabla_asan%": "<!(node -p \"process.env.NABLA_ASAN === '1' ? 1 : 0\")",
    "nabla_march_native%": "<!(node -p \"process.env.NABLA_MARCH_NATIVE === '1' ? 1 : 0\")",
    # 1 where the compiler has a static libstdc++ (Debian and Ubuntu always; Fedora and RHEL only
    # with libstdc++-static): then the C++ runtime is linked in, as the prebuilt binary needs.
    "nabla_static_runtime%": "<!(node scripts/build-config.mjs static-runtime)",
    # 1 when the compiler is GCC: the multi-variant build relies on its target pragma (isa.h).
    "nabla_gcc%": "<!(node scripts/build-config.mjs gcc)",
    # vmath.h's 64-byte GCC vectors live in two or four registers below AVX-512; GCC warns that
    # passing them by value then differs from the AVX-512 ABI, which never matters inside one
    # variant (nothing crosses between variants but the Node-API entry points).
    # -mtune: generic tuning keeps the GEMM micro-kernel's pointers in vector registers and moves
    # them back every iteration (vmovq): 0.7x the speed of a -march=native build on a Sapphire
    # Rapids core. Any specific tuning avoids it; Haswell's, the oldest CPU of the AVX2 variant,
    # measured best. Tuning changes no instruction set.
    "nabla_variant_cflags": ["-Wno-psabi", "-mtune=haswell"],
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
    "cflags_cc!": ["-fno-rtti"],
    # No -ffast-math: NaN and infinity semantics follow PyTorch's.
    # Hidden symbols: the addon exports only its Node-API entry point, and its calls between
    # files bind directly instead of through the PLT.
    "cflags": ["-O3", "-fno-math-errno", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra",
               "-Wno-unused-parameter", "-pthread"],
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
    ["target_arch=='x64' and OS=='linux' and nabla_march_native==0 and nabla_gcc==1", {
      "targets": [
        {
          "target_name": "nabla_native",
          "sources": ["native/dispatch.cc", "native/glibc_compat.c"],
          "defines": ["NABLA_MULTI_ISA"],
          "dependencies": ["nabla_isa_baseline", "nabla_isa_avx2", "nabla_isa_avx512"],
          # The static libraries' symbols (nabla's and the C++ runtime's) stay private to the
          # addon, so it never binds to another copy of them in the process.
          "ldflags": ["-Wl,--exclude-libs,ALL", "-Wl,--gc-sections"],
          "conditions": [
            # A prebuilt binary must not need the building machine's libstdc++ (older
            # distributions ship older ones): the C++ runtime is linked in (see
            # native/glibc_compat.c).
            ["nabla_static_runtime==1", {"ldflags": ["-static-libstdc++"]}]
          ]
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
                "OTHER_CPLUSPLUSFLAGS": ["-O3", "-include", "isa.h"],
                "MACOSX_DEPLOYMENT_TARGET": "11.0"
              }
            }]
          ]
        }
      ]
    }]
  ]
}
