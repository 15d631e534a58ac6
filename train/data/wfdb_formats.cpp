#include "train/data/wfdb_formats.h"

#include <string>

#include "train/data/data_error.h"

namespace acl::data {

namespace {

int32_t sign_extend(uint32_t v, int bits) {
  uint32_t m = 1u << (bits - 1);
  return static_cast<int32_t>((v ^ m) - m);
}

uint32_t le16(const uint8_t* p) {
  return p[0] | (uint32_t(p[1]) << 8);
}

[[noreturn]] void unsupported(int format) {
  throw DataError("WFDB format " + std::to_string(format) + " is not supported");
}

}  // namespace

const std::vector<int>& supported_formats() {
  static const std::vector<int> formats = {8, 16, 24, 32, 61, 80, 160, 212, 310, 311};
  return formats;
}

bool is_supported_format(int format) {
  for (int f : supported_formats()) {
    if (f == format) return true;
  }
  return false;
}

int64_t format_bytes_for_samples(int format, int64_t n) {
  switch (format) {
    case 8:
    case 80:
      return n;
    case 16:
    case 61:
    case 160:
      return 2 * n;
    case 24:
      return 3 * n;
    case 32:
      return 4 * n;
    case 212:
      return 3 * (n / 2) + (n % 2 ? 2 : 0);  // a lone last sample uses 1.5 bytes
    case 310:
      return 4 * (n / 3) + (n % 3 == 1 ? 2 : n % 3 == 2 ? 4 : 0);
    case 311:
      return 4 * (n / 3) + (n % 3 == 1 ? 2 : n % 3 == 2 ? 3 : 0);
    default:
      unsupported(format);
  }
}

int64_t format_samples_in_bytes(int format, int64_t b) {
  switch (format) {
    case 8:
    case 80:
      return b;
    case 16:
    case 61:
    case 160:
      return b / 2;
    case 24:
      return b / 3;
    case 32:
      return b / 4;
    case 212:
      return 2 * (b / 3) + (b % 3 == 2 ? 1 : 0);
    case 310:
      return 3 * (b / 4) + (b % 4 >= 2 ? 1 : 0);
    case 311:
      return 3 * (b / 4) + (b % 4 == 3 ? 2 : b % 4 == 2 ? 1 : 0);
    default:
      unsupported(format);
  }
}

int32_t format_invalid_sample(int format) {
  switch (format) {
    case 0:  // a null signal: every sample is invalid
    case 8:  // format 8 has no sentinel; this value marks samples a skew leaves empty
      return INT32_MIN;
    case 80:
    case 508:
      return -128;
    case 212:
      return -2048;
    case 310:
    case 311:
      return -512;
    case 24:
    case 524:
      return -8388608;
    case 32:
      return INT32_MIN;
    case 16:
    case 61:
    case 160:
    case 516:
      return -32768;
    default:
      unsupported(format);
  }
}

void decode_samples(int format, const uint8_t* p, size_t n_bytes, int64_t n, int32_t* out) {
  int64_t need = format_bytes_for_samples(format, n);
  if (static_cast<int64_t>(n_bytes) < need) {
    throw DataError("format " + std::to_string(format) + ": " + std::to_string(n) +
                    " samples need " + std::to_string(need) + " bytes, got " +
                    std::to_string(n_bytes));
  }
  switch (format) {
    case 16:
      for (int64_t i = 0; i < n; ++i) out[i] = sign_extend(le16(p + 2 * i), 16);
      break;
    case 61:
      for (int64_t i = 0; i < n; ++i) out[i] = sign_extend((p[2 * i] << 8) | p[2 * i + 1], 16);
      break;
    case 160:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(le16(p + 2 * i)) - 32768;
      break;
    case 80:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(p[i]) - 128;
      break;
    case 8:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(p[i]);
      break;
    case 24:
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* q = p + 3 * i;
        out[i] = sign_extend(q[0] | (uint32_t(q[1]) << 8) | (uint32_t(q[2]) << 16), 24);
      }
      break;
    case 32:
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* q = p + 4 * i;
        out[i] = static_cast<int32_t>(q[0] | (uint32_t(q[1]) << 8) | (uint32_t(q[2]) << 16) |
                                      (uint32_t(q[3]) << 24));
      }
      break;
    case 212:
      // Byte 0: low 8 bits of s0; byte 1: high nibble of s0 (low 4 bits) and of s1 (high 4
      // bits); byte 2: low 8 bits of s1.
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* q = p + 3 * (i / 2);
        uint32_t v = (i % 2 == 0) ? (q[0] | (uint32_t(q[1] & 0x0f) << 8))
                                  : (q[2] | (uint32_t(q[1] & 0xf0) << 4));
        out[i] = sign_extend(v, 12);
      }
      break;
    case 310:
      // Words w0 = bytes 0-1, w1 = bytes 2-3: s0 = w0 bits 1-10, s1 = w1 bits 1-10,
      // s2 = w0 bits 11-15 (low 5 bits) | w1 bits 11-15 (high 5 bits).
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* q = p + 4 * (i / 3);
        uint32_t v;
        switch (i % 3) {
          case 0:
            v = (le16(q) >> 1) & 0x3ff;
            break;
          case 1:
            v = (le16(q + 2) >> 1) & 0x3ff;
            break;
          default:
            v = ((le16(q) >> 11) & 0x1f) | (((le16(q + 2) >> 11) & 0x1f) << 5);
            break;
        }
        out[i] = sign_extend(v, 10);
      }
      break;
    case 311:
      // One 32-bit little-endian word: s0 = bits 0-9, s1 = bits 10-19, s2 = bits 20-29. Only the
      // bytes a sample touches are read (a last partial group may be short).
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* q = p + 4 * (i / 3);
        uint32_t v;
        switch (i % 3) {
          case 0:
            v = le16(q) & 0x3ff;
            break;
          case 1:
            v = ((q[1] >> 2) | (uint32_t(q[2]) << 6)) & 0x3ff;
            break;
          default:
            v = ((q[2] >> 4) | (uint32_t(q[3]) << 4)) & 0x3ff;
            break;
        }
        out[i] = sign_extend(v, 10);
      }
      break;
    default:
      unsupported(format);
  }
}

}  // namespace acl::data
