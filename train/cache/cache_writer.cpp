#include "train/cache/cache_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "train/cache/cache_format.h"
#include "train/cache/float16.h"

namespace acl::cache {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw std::runtime_error("cache: " + what + " '" + path + "': " + std::strerror(errno));
}

// Writes `bytes` to `path` through a temporary file, fsync and rename.
void write_file_atomic(const std::string& path, const void* data, size_t bytes) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) io_error("cannot create", tmp);
  const char* p = static_cast<const char*>(data);
  size_t left = bytes;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      io_error("cannot write", tmp);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) io_error("cannot sync", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) io_error("cannot rename to", path);
}

}  // namespace

CacheWriter::CacheWriter(std::string dir, CacheSpec spec)
    : dir_(std::move(dir)), spec_(std::move(spec)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    throw std::runtime_error("cache: cannot create directory '" + dir_ + "': " + ec.message());
  if (spec_.lead_names.empty() || spec_.length <= 0 || spec_.records_per_shard <= 0) {
    throw std::invalid_argument("cache: spec needs lead names, a positive length and shard size");
  }
  fs::remove(fs::path(dir_) / kIndexFile, ec);  // an old index would describe other shards
}

CacheWriter::~CacheWriter() {
  if (shard_) std::fclose(shard_);
}

void CacheWriter::open_shard() {
  const std::string name = shard_file_name(shards_.size());
  std::string path = (fs::path(dir_) / name).string();
  shard_ = std::fopen(path.c_str(), "wb");
  if (!shard_) io_error("cannot create", path);
  shards_.push_back({{"file", name}, {"first", size()}, {"records", 0}});
  shard_records_ = 0;
}

void CacheWriter::set_label_names(std::vector<std::string> names) {
  if (names.size() < spec_.label_names.size()) {
    throw std::invalid_argument("cache: label names may only grow");
  }
  spec_.label_names = std::move(names);
  for (auto& row : labels_) row.resize(spec_.label_names.size(), 0);
}

void CacheWriter::append(const std::string& name, const float* signal,
                         const std::vector<int>& rpeaks, const std::vector<uint8_t>& labels,
                         const std::string& split, const std::string& patient) {
  if (finished_) throw std::logic_error("cache: append after finish");
  if (labels.size() != spec_.label_names.size()) {
    throw std::invalid_argument("cache: record '" + name + "' has " +
                                std::to_string(labels.size()) + " labels, the cache has " +
                                std::to_string(spec_.label_names.size()));
  }
  if (split != "train" && split != "val" && split != "test") {
    throw std::invalid_argument("cache: record '" + name + "' has split '" + split +
                                "', expected train, val or test");
  }
  for (int r : rpeaks) {  // validated before anything is written
    if (r < 0 || r >= spec_.length) {
      throw std::invalid_argument("cache: record '" + name + "' has R-peak " + std::to_string(r) +
                                  " outside [0, " + std::to_string(spec_.length) + ")");
    }
  }
  if (!shard_) open_shard();
  size_t n = spec_.lead_names.size() * static_cast<size_t>(spec_.length);
  scratch_.resize(n);
  for (size_t i = 0; i < n; ++i) scratch_[i] = float_to_half(signal[i]);
  if (std::fwrite(scratch_.data(), sizeof(uint16_t), n, shard_) != n) {
    io_error("cannot write shard for record", name);
  }
  ++shard_records_;
  shards_.back()["records"] = shard_records_;
  if (shard_records_ == spec_.records_per_shard) {
    if (std::fclose(shard_) != 0) io_error("cannot close shard after record", name);
    shard_ = nullptr;
  }
  rpeaks_.insert(rpeaks_.end(), rpeaks.begin(), rpeaks.end());
  rpeak_offsets_.push_back(static_cast<int64_t>(rpeaks_.size()));
  labels_.push_back(labels);
  names_.push_back(name);
  splits_.push_back(split);
  patients_.push_back(patient.empty() ? name : patient);
}

void CacheWriter::finish() {
  if (finished_) return;
  if (shard_) {
    if (std::fflush(shard_) != 0 || ::fsync(::fileno(shard_)) != 0 || std::fclose(shard_) != 0) {
      io_error("cannot close shard in", dir_);
    }
    shard_ = nullptr;
  }
  write_file_atomic((fs::path(dir_) / kRpeakOffsetsFile).string(), rpeak_offsets_.data(),
                    rpeak_offsets_.size() * sizeof(int64_t));
  write_file_atomic((fs::path(dir_) / kRpeaksFile).string(), rpeaks_.data(),
                    rpeaks_.size() * sizeof(int32_t));
  std::vector<uint8_t> flat;
  for (const auto& row : labels_) flat.insert(flat.end(), row.begin(), row.end());
  write_file_atomic((fs::path(dir_) / kLabelsFile).string(), flat.data(), flat.size());

  nlohmann::json index = {
      {"format", kCacheFormat},
      {"version", kCacheVersion},
      {"dataset", spec_.dataset},
      {"fs", spec_.fs},
      {"length", spec_.length},
      {"n_leads", spec_.lead_names.size()},
      {"lead_names", spec_.lead_names},
      {"label_names", spec_.label_names},
      {"n_records", size()},
      {"records_per_shard", spec_.records_per_shard},
      {"preprocessing", spec_.preprocessing},
      {"shards", shards_},
      {"records", {{"name", names_}, {"split", splits_}, {"patient", patients_}}}};
  std::string text = index.dump(1);
  write_file_atomic((fs::path(dir_) / kIndexFile).string(), text.data(), text.size());
  finished_ = true;
}

}  // namespace acl::cache
