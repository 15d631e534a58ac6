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

namespace acl {

enum class DType : uint8_t { f32, f64, bf16, i32 };
enum class Device : uint8_t { CPU, CUDA };

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

// Maps a C++ type to its DType.
template <typename T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::f32;
};
template <>
struct dtype_of<double> {
  static constexpr DType value = DType::f64;
};
template <>
struct dtype_of<bf16> {
  static constexpr DType value = DType::bf16;
};
template <>
struct dtype_of<int32_t> {
  static constexpr DType value = DType::i32;
};

}  // namespace acl
