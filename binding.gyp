# Native CPU backend of nabla (see DESIGN.md, "Backends"). Built by scripts/build-native.mjs at install.
# NABLA_ASAN=1 in the environment builds an AddressSanitizer variant (used by `npm run asan`).
{
  "variables": {
    "nabla_asan%": "<!(node -p \"process.env.NABLA_ASAN === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "nabla_native",
      "sources": [
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
      ],
      "include_dirs": ["native"],
      # gyp applies "cflags!" after merging, so it must not name flags added below (-O3).
      "cflags!": ["-O2"],
      "cflags_cc!": ["-std=gnu++17", "-std=c++17", "-std=gnu++20", "-fno-rtti"],
      # -march=native: the addon is compiled where it runs (DESIGN.md). 512-bit vectors pay off on
      # cores with full-width AVX-512 units (Zen 4/5, Ice Lake+); harmless where AVX-512 is absent.
      "cflags": ["-O3", "-march=native", "-mprefer-vector-width=512", "-fno-math-errno",
                 "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread"],
      "cflags_cc": ["-std=c++17"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["nabla_asan==1", {
          "cflags": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-march=native"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }]
      ]
    }
  ]
}
