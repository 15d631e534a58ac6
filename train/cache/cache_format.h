// The on-disk layout of a prepared ECG dataset (format "acl-ecg-cache", version 1).
//
//   DIR/index.json              written last: its presence marks a complete cache
//     { "format": "acl-ecg-cache", "version": 1, "dataset": "synthetic", "fs": 100.0,
//       "length": 1000, "n_leads": 12, "lead_names": ["I", ..., "V6"],
//       "label_names": [...], "n_records": N, "records_per_shard": S,
//       "preprocessing": { ... free-form: filter band, resampling, standardisation ...;
//                          a synthetic cache: "generator": { "version": 2, "seed": ..., ... } },
//       "shards": [ { "file": "signals_00000.f16", "first": 0, "records": S }, ... ],
//       "records": { "name": [...], "split": ["train" | "val" | "test", ...],
//                    "patient": [...] } }
//   DIR/signals_NNNNN.f16       float16 little-endian (records, n_leads, length), row-major
//   DIR/rpeak_offsets.i64       int64 (N + 1): R-peaks of record i are rpeaks[off[i] .. off[i+1])
//   DIR/rpeaks.i32              int32 R-peak sample offsets within the stored length, ascending
//   DIR/labels.u8               uint8 (N, n_labels) multi-hot
//
// All binary files are raw little-endian arrays without headers; their sizes are checked against
// index.json when a cache is opened.
//
// records.patient holds each record's patient key (records of one patient share it; a record of
// unknown patient has its own name). Splits are drawn per patient where the patient is known
// (synthetic "p<patient id>", PTB-XL patient_id), so no patient is in two splits. The array is
// optional: an index written before it existed opens with every record its own patient. Likewise
// a synthetic index without preprocessing.generator.version was made by generator version 1.
// Both fields are additions that older caches lack, so the format version stays 1.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace acl::cache {

inline constexpr const char* kCacheFormat = "acl-ecg-cache";
inline constexpr int kCacheVersion = 1;
inline constexpr const char* kIndexFile = "index.json";
inline constexpr const char* kRpeakOffsetsFile = "rpeak_offsets.i64";
inline constexpr const char* kRpeaksFile = "rpeaks.i32";
inline constexpr const char* kLabelsFile = "labels.u8";

// "signals_NNNNN.f16": the name the writer gives shard `index` (0-based).
inline std::string shard_file_name(size_t index) {
  char name[48];  // room for any size_t
  std::snprintf(name, sizeof name, "signals_%05zu.f16", index);
  return name;
}

}  // namespace acl::cache
