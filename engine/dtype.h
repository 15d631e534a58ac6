// Element types and devices a Tensor can have.
//
// f32 is the training type; f64 exists on the CPU for finite-difference gradient checks; bf16 is
// the mixed-precision storage type (converted with round-to-nearest-even); i32 holds indices and
// class labels and is never differentiated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace acl {

enum class DType : uint8_t { f32, f64, bf16, i32 };
enum class Device : uint8_t { CPU, CUDA };

// One row per DType, in enum order: its byte size, its name here and its safetensors name.
struct DTypeInfo {
  size_t size;
  const char* name;
  const char* safetensors_name;
};
const DTypeInfo* dtype_info(DType t);  // nullptr for a value outside the enum

size_t dtype_size(DType t);
const char* dtype_name(DType t);
const char* device_name(Device d);
inline bool is_floating(DType t) {
  return t != DType::i32;
}

// bfloat16: the upper 16 bits of an IEEE float32.
struct bf16 {
  uint16_t bits = 0;
};

inline float bf16_to_float(bf16 v) {
  uint32_t u = static_cast<uint32_t>(v.bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Round to nearest, ties to even; NaN stays NaN (quiet).
inline bf16 float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  bf16 r;
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) {
    r.bits = static_cast<uint16_t>((u >> 16) | 0x40);
    return r;
  }
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  r.bits = static_cast<uint16_t>((u + rounding) >> 16);
  return r;
}

// The C++ element type of each DType, in enum order: the one type <-> DType table.
using DTypeTypes = std::tuple<float, double, bf16, int32_t>;

namespace detail {
template <typename T, typename... Ts>
constexpr size_t type_position(std::tuple<Ts...>*) {
  constexpr bool match[] = {std::is_same_v<T, Ts>...};
  size_t i = 0;
  while (i < sizeof...(Ts) && !match[i]) ++i;
  return i;
}
}  // namespace detail

// Maps a C++ type to its DType.
template <typename T>
struct dtype_of {
  static constexpr size_t position = detail::type_position<T>(static_cast<DTypeTypes*>(nullptr));
  static_assert(position < std::tuple_size_v<DTypeTypes>, "no DType for this C++ type");
  static constexpr DType value = static_cast<DType>(position);
};

namespace detail {
template <typename F, size_t... I>
void visit_dtype(DType t, F& f, std::index_sequence<I...>) {
  (void)((static_cast<size_t>(t) == I ? (f(std::tuple_element_t<I, DTypeTypes>{}), true) : false) ||
         ...);
}
}  // namespace detail

// Calls f(T{}) with the C++ element type T of dtype t (nothing for a value outside the enum).
template <typename F>
void visit_dtype(DType t, F&& f) {
  detail::visit_dtype(t, f, std::make_index_sequence<std::tuple_size_v<DTypeTypes>>{});
}

}  // namespace acl
