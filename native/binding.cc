// Module registration: every kernel of kernels.h becomes a property of the addon's exports.
#include <node_api.h>

#include "kernels.h"

namespace nabla {

static napi_value init(napi_env env, napi_value exports) {
#define NABLA_PROPERTY(name) {#name, nullptr, name, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  static const napi_property_descriptor props[] = {NABLA_KERNELS(NABLA_PROPERTY)};
#undef NABLA_PROPERTY
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return nullptr;
  return exports;
}

}  // namespace nabla

NAPI_MODULE_INIT() { return nabla::init(env, exports); }
