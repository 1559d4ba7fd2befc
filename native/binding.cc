// Export registration of one ISA variant: every kernel of kernels.h becomes a property of the
// addon's exports. dispatch.cc calls the registerExports of the variant the CPU runs.
#include <node_api.h>

#include "kernels.h"

namespace nabla {

napi_value registerExports(napi_env env, napi_value exports) {
#define NABLA_PROPERTY(name) {#name, nullptr, name, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  static const napi_property_descriptor props[] = {NABLA_KERNELS(NABLA_PROPERTY)};
#undef NABLA_PROPERTY
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return nullptr;
  return exports;
}

}  // namespace nabla
