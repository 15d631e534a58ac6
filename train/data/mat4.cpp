#include "train/data/mat4.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/util/strings.h"
#include "train/data/data_error.h"

namespace acl::data {

Mat4Preamble read_mat4_preamble(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError("cannot open " + path + ": " + std::strerror(errno));
  uint8_t head[20];
  if (!f.read(reinterpret_cast<char*>(head), sizeof(head))) {
    throw DataError(path + ": MATLAB v4 preamble truncated: fewer than 20 bytes");
  }
  auto le32 = [&](int i) {
    const uint8_t* p = head + 4 * i;
    return static_cast<int32_t>(p[0] | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                                (uint32_t(p[3]) << 24));
  };
  Mat4Preamble m;
  m.type = le32(0);
  m.rows = le32(1);
  m.cols = le32(2);
  m.imag = le32(3);
  m.name_length = le32(4);
  if (m.name_length < 1 || m.name_length > 4096) {
    throw DataError(path + ": MATLAB v4 preamble field name_length = " +
                    std::to_string(m.name_length) + ", expected 1..4096 (4 for \"val\\0\")");
  }
  std::string name(static_cast<size_t>(m.name_length), '\0');
  if (!f.read(&name[0], m.name_length)) {
    throw DataError(path + ": MATLAB v4 preamble truncated in the variable name (name_length " +
                    std::to_string(m.name_length) + ")");
  }
  m.name = name.substr(0, name.find('\0'));
  m.data_offset = 20 + static_cast<int64_t>(m.name_length);
  return m;
}

void validate_mat4_preamble(const Mat4Preamble& m, const std::string& path, int n_signals,
                            int64_t n_samples, int64_t byte_offset) {
  auto bad = [&](const std::string& field, const std::string& value, const std::string& expected) {
    throw DataError(path + ": MATLAB v4 preamble field " + field + " = " + value + ", expected " +
                    expected);
  };
  if (m.type != 30) {
    bad("type", std::to_string(m.type), "30 (little-endian int16 matrix, as CinC writes)");
  }
  if (m.imag != 0) bad("imag", std::to_string(m.imag), "0 (real data)");
  if (m.name != "val") bad("name", "\"" + strings::printable(m.name) + "\"", "\"val\"");
  if (m.rows != n_signals) {
    bad("rows", std::to_string(m.rows),
        std::to_string(n_signals) + " (the signals the header stores in this file)");
  }
  if (n_samples >= 0 && m.cols != n_samples) {
    bad("cols", std::to_string(m.cols),
        std::to_string(n_samples) + " (the number of samples on the header's record line)");
  }
  if (m.data_offset != byte_offset) {
    bad("data offset", std::to_string(m.data_offset),
        std::to_string(byte_offset) + " (the byte offset in the header's format field)");
  }
}

}  // namespace acl::data
