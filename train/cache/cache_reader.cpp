#include "train/cache/cache_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "engine/util/strings.h"
#include "train/cache/cache_format.h"
#include "train/cache/float16.h"

namespace acl::cache {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("cache: " + path + ": " + what);
}

template <typename T>
std::vector<T> read_array(const std::string& path, size_t expected_count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, "cannot open (incomplete or foreign cache?)");
  auto bytes = static_cast<size_t>(in.tellg());
  // The count comes from other files: compare by division so that no product wraps around.
  if (bytes % sizeof(T) != 0 || bytes / sizeof(T) != expected_count) {
    fail(path, "holds " + std::to_string(bytes) + " bytes, the index implies " +
                   std::to_string(expected_count) + " values of " + std::to_string(sizeof(T)) +
                   " bytes");
  }
  std::vector<T> v(expected_count);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
  if (!in) fail(path, "read failed");
  return v;
}

// Field `key` of the index as T. An integer field must hold an integer within T's range (a
// number too large for int64 parses as a double, which must not be converted).
template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& path) {
  if (!j.contains(key)) fail(path, std::string("missing field '") + key + "'");
  const nlohmann::json& v = j.at(key);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const bool fits =
        v.is_number_unsigned()
            ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
            : v.is_number_integer() && v.get<int64_t>() >= std::numeric_limits<T>::min() &&
                  v.get<int64_t>() <= std::numeric_limits<T>::max();
    if (!fits) {
      fail(path, std::string("field '") + key + "' is " + strings::printable(v.dump(), 80) +
                     ", expected an integer in [" + std::to_string(std::numeric_limits<T>::min()) +
                     ", " + std::to_string(std::numeric_limits<T>::max()) + "]");
    }
  }
  try {
    return v.get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("field '") + key + "' has the wrong type: " + e.what());
  }
}
// preprocessing.generator.version of a synthetic cache; 1 when absent.
int read_generator_version(const nlohmann::json& index, const std::string& path) {
  const auto pre = index.find("preprocessing");
  if (pre == index.end() || !pre->is_object()) return 1;
  const auto gen = pre->find("generator");
  if (gen == pre->end() || !gen->is_object()) return 1;
  const auto version = gen->find("version");
  if (version == gen->end()) return 1;
  if (!version->is_number_integer() || version->get<int64_t>() < 1 ||
      version->get<int64_t>() > std::numeric_limits<int>::max()) {
    fail(path, "field 'preprocessing.generator.version' is " +
                   strings::printable(version->dump(), 80) + ", expected a positive integer");
  }
  return version->get<int>();
}
}  // namespace

// A read-only memory mapping of one file.
class MappedFile {
 public:
  MappedFile(const std::string& path, size_t expected_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      fail(path, "cannot stat");
    }
    if (static_cast<size_t>(st.st_size) != expected_bytes) {
      ::close(fd);
      fail(path, "holds " + std::to_string(st.st_size) + " bytes, index.json implies " +
                     std::to_string(expected_bytes) + " (truncated shard?)");
    }
    size_ = expected_bytes;
    if (size_ > 0) {
      data_ = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
      if (data_ == MAP_FAILED) {
        ::close(fd);
        fail(path, std::string("mmap failed: ") + std::strerror(errno));
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
  }
  const void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

CacheReader::CacheReader(const std::string& dir) : dir_(dir) {
  std::string index_path = (fs::path(dir) / kIndexFile).string();
  std::ifstream in(index_path);
  if (!in) fail(index_path, "cannot open: not a prepared cache, or its preparation did not finish");
  try {
    index_ = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(index_path, "is not valid JSON: " + strings::printable(e.what(), 300));
  }
  if (field<std::string>(index_, "format", index_path) != kCacheFormat) {
    fail(index_path, "field 'format' is not '" + std::string(kCacheFormat) + "'");
  }
  int version = field<int>(index_, "version", index_path);
  if (version != kCacheVersion) {
    fail(index_path, "format version " + std::to_string(version) + ", this build reads version " +
                         std::to_string(kCacheVersion) + " (prepare the dataset again)");
  }
  dataset_ = field<std::string>(index_, "dataset", index_path);
  fs_ = field<double>(index_, "fs", index_path);
  length_ = field<int64_t>(index_, "length", index_path);
  n_leads_ = field<int>(index_, "n_leads", index_path);
  lead_names_ = field<std::vector<std::string>>(index_, "lead_names", index_path);
  label_names_ = field<std::vector<std::string>>(index_, "label_names", index_path);
  n_records_ = field<int64_t>(index_, "n_records", index_path);
  records_per_shard_ = field<int64_t>(index_, "records_per_shard", index_path);
  nlohmann::json records = field<nlohmann::json>(index_, "records", index_path);
  names_ = field<std::vector<std::string>>(records, "name", index_path);
  splits_ = field<std::vector<std::string>>(records, "split", index_path);
  if (static_cast<int>(lead_names_.size()) != n_leads_ || length_ <= 0 || records_per_shard_ <= 0 ||
      static_cast<int64_t>(names_.size()) != n_records_ ||
      static_cast<int64_t>(splits_.size()) != n_records_) {
    fail(index_path, "inconsistent sizes (lead_names vs n_leads, records vs n_records)");
  }
  has_patient_ids_ = records.contains("patient");
  if (has_patient_ids_) {
    patients_ = field<std::vector<std::string>>(records, "patient", index_path);
    if (static_cast<int64_t>(patients_.size()) != n_records_) {
      fail(index_path, "records.patient has " + std::to_string(patients_.size()) +
                           " entries, n_records is " + std::to_string(n_records_));
    }
  } else {
    patients_ = names_;  // each record its own patient
  }
  if (dataset_ == "synthetic") generator_version_ = read_generator_version(index_, index_path);
  size_t record_bytes = static_cast<size_t>(n_leads_) * static_cast<size_t>(length_) * 2;
  int64_t covered = 0;
  for (const auto& s : field<nlohmann::json>(index_, "shards", index_path)) {
    auto first = field<int64_t>(s, "first", index_path),
         count = field<int64_t>(s, "records", index_path);
    if (first != covered || count <= 0 || count > records_per_shard_) {
      fail(index_path,
           "shard list does not cover the records in order at record " + std::to_string(covered));
    }
    const std::string file = field<std::string>(s, "file", index_path);
    const std::string outside =
        strings::outside_dir_error("shard file", file, "the cache directory");
    if (!outside.empty()) fail(index_path, outside);
    std::string path = (fs::path(dir) / file).string();
    shards_.push_back(
        std::make_unique<MappedFile>(path, record_bytes * static_cast<size_t>(count)));
    shard_files_.push_back(path);
    covered += count;
  }
  if (covered != n_records_) {
    fail(index_path, "shards hold " + std::to_string(covered) + " records, n_records is " +
                         std::to_string(n_records_));
  }
  rpeak_offsets_ = read_array<int64_t>((fs::path(dir) / kRpeakOffsetsFile).string(),
                                       static_cast<size_t>(n_records_ + 1));
  int64_t n_peaks = rpeak_offsets_.back();
  for (int64_t i = 0; i < n_records_; ++i) {
    if (rpeak_offsets_[i] > rpeak_offsets_[i + 1] || rpeak_offsets_[0] != 0) {
      fail((fs::path(dir) / kRpeakOffsetsFile).string(), "offsets are not ascending");
    }
  }
  rpeaks_ =
      read_array<int32_t>((fs::path(dir) / kRpeaksFile).string(), static_cast<size_t>(n_peaks));
  labels_ = read_array<uint8_t>((fs::path(dir) / kLabelsFile).string(),
                                static_cast<size_t>(n_records_) * label_names_.size());
}

CacheReader::~CacheReader() = default;

void CacheReader::check_index(int64_t i) const {
  if (i < 0 || i >= n_records_) {
    throw std::out_of_range("cache: record index " + std::to_string(i) + " outside [0, " +
                            std::to_string(n_records_) + ") in " + dir_);
  }
}

const uint16_t* CacheReader::signal_f16(int64_t i) const {
  check_index(i);
  const auto* base =
      static_cast<const uint16_t*>(shards_[static_cast<size_t>(i / records_per_shard_)]->data());
  return base + (i % records_per_shard_) * n_leads_ * length_;
}

void CacheReader::read_signal(int64_t i, float* out) const {
  const uint16_t* h = signal_f16(i);
  const int64_t n = n_leads_ * length_;
  uint16_t special = 0;  // OR of the exponent bits that are all ones: NaN or +-inf
  for (int64_t k = 0; k < n; ++k) {
    out[k] = half_to_float(h[k]);
    special |= static_cast<uint16_t>(((h[k] & 0x7c00u) == 0x7c00u) ? 1u : 0u);
  }
  if (special) fail_nonfinite(i, h);
}

void CacheReader::fail_nonfinite(int64_t i, const uint16_t* h) const {
  const int64_t n = n_leads_ * length_;
  int64_t k = 0;
  while (k < n && (h[k] & 0x7c00u) != 0x7c00u) ++k;
  const auto shard = static_cast<size_t>(i / records_per_shard_);
  const int lead = static_cast<int>(k / length_);
  const char* what = (h[k] & 0x03ffu) ? "NaN" : (h[k] & 0x8000u) ? "-inf" : "+inf";
  fail(shard_files_[shard],
       "record " + std::to_string(i) + " ('" + names_[static_cast<size_t>(i)] + "', record " +
           std::to_string(i % records_per_shard_) + " of the shard) holds a non-finite sample: " +
           what + " in lead " + lead_names_[static_cast<size_t>(lead)] + " (lead index " +
           std::to_string(lead) + ") at sample " + std::to_string(k % length_) +
           "; acl_prepare writes finite values only, so the file was changed or damaged after "
           "it was prepared: prepare the dataset again");
}

std::vector<int32_t> CacheReader::rpeaks(int64_t i) const {
  check_index(i);
  return {rpeaks_.begin() + rpeak_offsets_[i], rpeaks_.begin() + rpeak_offsets_[i + 1]};
}

std::vector<uint8_t> CacheReader::labels(int64_t i) const {
  check_index(i);
  size_t n = label_names_.size();
  return {labels_.begin() + static_cast<int64_t>(i * n),
          labels_.begin() + static_cast<int64_t>((i + 1) * n)};
}

std::vector<int64_t> CacheReader::indices_of_split(const std::string& split) const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n_records_; ++i)
    if (splits_[static_cast<size_t>(i)] == split) out.push_back(i);
  return out;
}

}  // namespace acl::cache
