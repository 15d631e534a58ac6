// safetensors reader and writer (https://github.com/huggingface/safetensors, format as of 0.4):
//   [8 bytes: little-endian uint64 N][N bytes: JSON header][data bytes]
// The header maps each tensor name to {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}
// (offsets relative to the first data byte) and may hold "__metadata__": {string: string}.
//
// Entries are raw: a dtype string, any shape (any rank), and the little-endian bytes. from_tensor()
// and to_tensor() convert to and from Tensor for the dtypes a Tensor has (F32, F64, BF16, I32);
// I64 (PyTorch's integer type, e.g. BatchNorm num_batches_tracked) converts to i32 when every
// value fits and throws otherwise; other dtypes (F16, U8, ...) stay raw bytes.
//
// Writing (as the reference implementation): tensors sorted by decreasing dtype alignment, then
// name, laid out back to back; the JSON is compact with "__metadata__" first; the header is padded
// with spaces to a multiple of 8 bytes, so every tensor starts aligned to its element size. Files
// are written atomically: a temporary file in the same directory, fsync, rename, fsync of the
// directory; a killed writer leaves the old file or the new one, never a torn one.
//
// Reading validates, like the reference crate plus a few stricter checks, and throws
// std::runtime_error naming the file and the offending key and value for: a file shorter than 8
// bytes, a header size larger than the file (or than 100 MB), a header that is not UTF-8 JSON or
// not an object, a tensor entry without dtype/shape/data_offsets, an unknown dtype, negative or
// non-integer extents/offsets, shape * dtype size != end - begin, offsets past the data, overlaps
// or gaps between tensors (the data must be covered exactly, in offset order: the reference's
// rule), trailing bytes after the last tensor, and non-string metadata values. Stricter than the
// reference (0.8): duplicate keys are rejected (it keeps one silently). Like it, unknown fields in
// a tensor entry are ignored and whitespace may precede the opening brace.
//
// Assumes a little-endian host (checked at compile time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace acl {

struct SafetensorsEntry {
  std::string dtype;           // "F32", "F64", "BF16", "F16", "I64", "I32", "U8", ...
  std::vector<int64_t> shape;  // any rank; rank 0 is a scalar
  std::vector<uint8_t> data;   // little-endian bytes, numel * dtype size

  int64_t numel() const;
  // Copies `t` (any device) into an entry of the matching dtype: f32/f64/bf16/i32 ->
  // F32/F64/BF16/I32.
  static SafetensorsEntry from_tensor(const Tensor& t);
  // An I64 entry.
  static SafetensorsEntry from_i64(const std::vector<int64_t>& values, std::vector<int64_t> shape);
  // A CPU tensor: F32/F64/BF16/I32 as is, I64 -> i32 when every value fits. Throws
  // std::runtime_error for other dtypes, out-of-range I64 values or rank > 4.
  Tensor to_tensor() const;
  // The values of an I64 or I32 entry.
  std::vector<int64_t> to_i64() const;
};

struct SafetensorsFile {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"; omitted when empty
};

// Element size in bytes of a safetensors dtype string; 0 when unknown.
size_t safetensors_dtype_size(const std::string& dtype);
// The safetensors dtype of a Tensor dtype ("F32", "F64", "BF16", "I32").
const char* safetensors_dtype(DType dtype);

// The file's bytes. Throws std::invalid_argument for an entry whose data size does not match its
// shape and dtype, an unknown dtype, a negative extent, or a name "__metadata__" / empty.
std::vector<uint8_t> serialize_safetensors(const SafetensorsFile& file);
// Parses and validates `size` bytes; `source` (the file name) prefixes every error.
SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& source);

// Atomic write (see above). Throws std::runtime_error naming the path on any I/O failure.
void write_safetensors(const std::string& path, const SafetensorsFile& file);
SafetensorsFile read_safetensors(const std::string& path);

// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename, fsync dir).
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace acl
