// MATLAB v4 preamble of the PhysioNet/CinC 2020-21 ".mat" signal files.
//
// Layout: five little-endian int32 (type, rows, cols, imag, name length), the variable name with
// its NUL, then the data column-major. CinC files hold one int16 matrix "val" of
// (signals x samples): type 30 (little-endian, int16, full numeric), imag 0, name "val\0", data at
// byte 24 -- i.e. WFDB format 16 interleaved at offset 24, which is how their headers describe it
// ("16+24" or "16x1+24").
#pragma once

#include <cstdint>
#include <string>

namespace acl::data {

struct Mat4Preamble {
  int32_t type = 0;
  int32_t rows = 0;
  int32_t cols = 0;
  int32_t imag = 0;
  int32_t name_length = 0;
  std::string name;         // without the trailing NUL
  int64_t data_offset = 0;  // 20 + name_length
};

// Reads the preamble of `path`. Throws DataError if the file is missing or shorter than it.
Mat4Preamble read_mat4_preamble(const std::string& path);

// Checks a preamble against what a WFDB header says of the file: type 30, imag 0, name "val",
// rows == n_signals, cols == n_samples (skipped when n_samples < 0), data_offset == byte_offset.
// Throws DataError naming the file, the field, the value and the expected value.
void validate_mat4_preamble(const Mat4Preamble& preamble, const std::string& path, int n_signals,
                            int64_t n_samples, int64_t byte_offset);

}  // namespace acl::data
