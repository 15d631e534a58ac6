#include "engine/dtype.h"

#include <iterator>

namespace acl {

namespace {
constexpr DTypeInfo kDTypeInfo[] = {
    {4, "f32", "F32"},
    {8, "f64", "F64"},
    {2, "bf16", "BF16"},
    {4, "i32", "I32"},
};
static_assert(std::size(kDTypeInfo) == std::tuple_size_v<DTypeTypes>, "one row per DType");
}  // namespace

const DTypeInfo* dtype_info(DType t) {
  size_t i = static_cast<size_t>(t);
  return i < std::size(kDTypeInfo) ? &kDTypeInfo[i] : nullptr;
}

size_t dtype_size(DType t) {
  const DTypeInfo* info = dtype_info(t);
  return info ? info->size : 0;
}

const char* dtype_name(DType t) {
  const DTypeInfo* info = dtype_info(t);
  return info ? info->name : "?";
}

const char* device_name(Device d) {
  return d == Device::CPU ? "cpu" : "cuda";
}

}  // namespace acl
