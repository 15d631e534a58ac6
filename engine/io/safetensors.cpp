#include "engine/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

#include "engine/util/strings.h"

namespace acl {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this reader copies bytes as they are");

namespace {

constexpr uint64_t kMaxHeaderSize = 100'000'000;  // the reference crate's limit

// Every dtype of the reference format, in its alignment order (the writer sorts by it).
struct DtypeInfo {
  const char* name;
  size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

int dtype_rank(const std::string& dtype) {
  for (size_t i = 0; i < std::size(kDtypes); ++i)
    if (dtype == kDtypes[i].name) return static_cast<int>(i);
  return -1;
}

std::string known_dtypes() {
  std::string s;
  for (const DtypeInfo& d : kDtypes) s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// numel of a shape; false on overflow or a negative extent.
bool checked_numel(const std::vector<int64_t>& shape, uint64_t* out) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    uint64_t ud = static_cast<uint64_t>(d);
    if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud) return false;
    n *= ud;
  }
  *out = n;
  return true;
}

[[noreturn]] void parse_fail(const std::string& source, const std::string& what) {
  // `what` may quote header bytes (names, JSON parser context): escaped for the terminal.
  throw std::runtime_error("safetensors: " + source + ": " + strings::printable(what, 400));
}

// Rejects duplicate keys at any depth of the header (nlohmann keeps the last one silently).
struct DuplicateKeyCheck {
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::string duplicate;
  bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    (void)depth;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && parsed.is_string()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  }
};

// A JSON value as written in the header, for error messages (bounded length).
std::string json_excerpt(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

bool valid_utf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] >> 6) != 0x2) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// RAII file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

[[noreturn]] void io_fail(const std::string& what, const std::string& path, int err) {
  throw std::runtime_error("safetensors: " + what + " " + path + ": " + std::strerror(err));
}

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  int r = dtype_rank(dtype);
  return r < 0 ? 0 : kDtypes[r].size;
}

const char* safetensors_dtype(DType dtype) {
  if (const DTypeInfo* info = dtype_info(dtype)) return info->safetensors_name;
  throw std::invalid_argument("safetensors: no safetensors dtype for this tensor dtype");
}

// ---- entries ------------------------------------------------------------------------------------

int64_t SafetensorsEntry::numel() const {
  uint64_t n = 0;
  if (!checked_numel(shape, &n) || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw std::invalid_argument("safetensors: invalid shape " + shape_str(shape));
  return static_cast<int64_t>(n);
}

SafetensorsEntry SafetensorsEntry::from_tensor(const Tensor& t) {
  Tensor host = t.device() == Device::CPU ? t : t.to(Device::CPU);
  SafetensorsEntry e;
  e.dtype = safetensors_dtype(t.dtype());
  e.shape = t.shape().to_vector();
  e.data.resize(host.nbytes());
  if (!e.data.empty()) std::memcpy(e.data.data(), host.raw_data(), e.data.size());
  return e;
}

SafetensorsEntry SafetensorsEntry::from_i64(const std::vector<int64_t>& values,
                                            std::vector<int64_t> shape) {
  SafetensorsEntry e;
  e.dtype = "I64";
  e.shape = std::move(shape);
  if (e.numel() != static_cast<int64_t>(values.size())) {
    throw std::invalid_argument("SafetensorsEntry::from_i64: " + std::to_string(values.size()) +
                                " values for shape " + shape_str(e.shape));
  }
  e.data.resize(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(e.data.data(), values.data(), e.data.size());
  return e;
}

std::vector<int64_t> SafetensorsEntry::to_i64() const {
  const int64_t n = numel();
  std::vector<int64_t> out(static_cast<size_t>(n));
  if (dtype == "I64" && data.size() == out.size() * 8) {
    if (n) std::memcpy(out.data(), data.data(), data.size());
  } else if (dtype == "I32" && data.size() == out.size() * 4) {
    for (int64_t i = 0; i < n; ++i) {
      int32_t v;
      std::memcpy(&v, data.data() + 4 * i, 4);
      out[static_cast<size_t>(i)] = v;
    }
  } else {
    throw std::runtime_error("safetensors: to_i64 needs an I64 or I32 entry, got " + dtype +
                             shape_str(shape) + " with " + std::to_string(data.size()) + " bytes");
  }
  return out;
}

Tensor SafetensorsEntry::to_tensor() const {
  if (shape.size() > static_cast<size_t>(Shape::kMaxRank)) {
    throw std::runtime_error("safetensors: a " + dtype + shape_str(shape) + " entry has rank > " +
                             std::to_string(Shape::kMaxRank));
  }
  const int64_t n = numel();
  Shape s(shape);
  if (dtype == "I64") {
    std::vector<int64_t> v = to_i64();
    std::vector<int32_t> narrow(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] < std::numeric_limits<int32_t>::min() || v[i] > std::numeric_limits<int32_t>::max())
        throw std::runtime_error("safetensors: I64 value " + std::to_string(v[i]) + " at index " +
                                 std::to_string(i) + " does not fit in i32");
      narrow[i] = static_cast<int32_t>(v[i]);
    }
    return Tensor::from_vector(narrow, s);
  }
  const DTypeInfo* info = nullptr;
  DType dt = DType::f32;
  for (size_t i = 0; i < std::tuple_size_v<DTypeTypes> && !info; ++i) {
    const DTypeInfo* candidate = dtype_info(static_cast<DType>(i));
    if (candidate && dtype == candidate->safetensors_name) {
      info = candidate;
      dt = static_cast<DType>(i);
    }
  }
  if (!info) {
    throw std::runtime_error("safetensors: a " + dtype + shape_str(shape) +
                             " entry has no Tensor dtype (F32, F64, BF16, I32, I64 convert)");
  }
  Tensor t = Tensor::empty(s, dt);
  if (data.size() != t.nbytes()) {
    throw std::runtime_error("safetensors: entry " + dtype + shape_str(shape) + " holds " +
                             std::to_string(data.size()) + " bytes, expected " +
                             std::to_string(t.nbytes()));
  }
  if (n) std::memcpy(t.raw_data(), data.data(), data.size());
  return t;
}

// ---- writing ------------------------------------------------------------------------------------

std::vector<uint8_t> serialize_safetensors(const SafetensorsFile& file) {
  // Decreasing alignment, then name: every tensor starts at a multiple of its element size.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> order;
  for (const auto& [name, e] : file.tensors) {
    if (name.empty() || name == "__metadata__")
      throw std::invalid_argument("safetensors: invalid tensor name '" + name + "'");
    if (dtype_rank(e.dtype) < 0)
      throw std::invalid_argument("safetensors: tensor '" + name + "' has unknown dtype '" +
                                  e.dtype + "'");
    uint64_t n = 0;
    if (!checked_numel(e.shape, &n) || n * safetensors_dtype_size(e.dtype) != e.data.size()) {
      throw std::invalid_argument("safetensors: tensor '" + name + "' is " + e.dtype +
                                  shape_str(e.shape) + " but holds " +
                                  std::to_string(e.data.size()) + " bytes");
    }
    order.emplace_back(&name, &e);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    int ra = dtype_rank(a.second->dtype), rb = dtype_rank(b.second->dtype);
    return ra != rb ? ra > rb : *a.first < *b.first;
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, e] : order) {
    nlohmann::ordered_json info = nlohmann::ordered_json::object();
    info["dtype"] = e->dtype;
    info["shape"] = e->shape;
    info["data_offsets"] = {offset, offset + e->data.size()};
    header[*name] = std::move(info);
    offset += e->data.size();
  }
  std::string json;
  try {
    json = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("safetensors: cannot encode the header: ") + e.what());
  }
  json.append((8 - json.size() % 8) % 8, ' ');

  std::vector<uint8_t> out;
  out.reserve(8 + json.size() + offset);
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), json.begin(), json.end());
  for (const auto& [name, e] : order) out.insert(out.end(), e->data.begin(), e->data.end());
  return out;
}

void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  std::random_device rd;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) io_fail("cannot create", tmp, errno);
    auto fail_and_remove = [&](const char* what) {
      int err = errno;
      ::close(fd.release());
      ::unlink(tmp.c_str());
      io_fail(what, tmp, err);
    };
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail_and_remove("cannot write");
      done += static_cast<size_t>(w);
    }
    if (::fsync(fd.get()) != 0) fail_and_remove("cannot fsync");
    if (::close(fd.release()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      io_fail("cannot close", tmp, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    io_fail("cannot rename " + tmp + " to", path, err);
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) io_fail("cannot open directory", dir, errno);
  if (::fsync(dfd.get()) != 0 && errno != EINVAL) io_fail("cannot fsync directory", dir, errno);
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  write_file_atomic(path, serialize_safetensors(file));
}

// ---- reading ------------------------------------------------------------------------------------

SafetensorsFile parse_safetensors(const uint8_t* bytes, size_t size, const std::string& source) {
  if (size < 8) {
    parse_fail(source,
               "file is " + std::to_string(size) + " bytes, shorter than the 8-byte header size");
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (n > size - 8) {
    parse_fail(source, "header size " + std::to_string(n) + " is larger than the " +
                           std::to_string(size - 8) + " bytes after it (truncated file?)");
  }
  if (n > kMaxHeaderSize) {
    parse_fail(source, "header size " + std::to_string(n) + " exceeds the limit of " +
                           std::to_string(kMaxHeaderSize) + " bytes");
  }
  const uint8_t* h = bytes + 8;
  if (!valid_utf8(h, n)) parse_fail(source, "header is not valid UTF-8");

  DuplicateKeyCheck dup;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(
        h, h + n,
        [&dup](int d, nlohmann::json::parse_event_t e, nlohmann::json& j) { return dup(d, e, j); });
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (number overflow)
    parse_fail(source, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) parse_fail(source, "header is not a JSON object");
  if (!dup.duplicate.empty()) parse_fail(source, "duplicate key '" + dup.duplicate + "' in header");

  struct Info {
    std::string name;
    uint64_t begin, end;
  };
  std::vector<Info> infos;
  SafetensorsFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object())
        parse_fail(source, "__metadata__ is " + json_excerpt(v) + ", not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) {
          parse_fail(source, "__metadata__ key '" + m.key() + "' has non-string value " +
                                 json_excerpt(m.value()));
        }
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!v.is_object()) parse_fail(source, where + " is " + json_excerpt(v) + ", not an object");
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!v.contains(field)) parse_fail(source, where + " has no '" + field + "'");
    }
    // Other fields are ignored, as the reference does.
    const nlohmann::json& jd = v["dtype"];
    if (!jd.is_string())
      parse_fail(source, where + ": dtype " + json_excerpt(jd) + " is not a string");
    SafetensorsEntry e;
    e.dtype = jd.get<std::string>();
    const size_t esize = safetensors_dtype_size(e.dtype);
    if (esize == 0) {
      parse_fail(source,
                 where + ": unknown dtype '" + e.dtype + "' (known: " + known_dtypes() + ")");
    }
    const nlohmann::json& js = v["shape"];
    if (!js.is_array())
      parse_fail(source, where + ": shape " + json_excerpt(js) + " is not an array");
    for (const nlohmann::json& d : js) {
      if (!d.is_number_unsigned() ||
          d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        parse_fail(source, where + ": shape " + json_excerpt(js) +
                               " holds a value that is not a non-negative integer");
      e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    const nlohmann::json& jo = v["data_offsets"];
    if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_unsigned() ||
        !jo[1].is_number_unsigned()) {
      parse_fail(source, where + ": data_offsets " + json_excerpt(jo) +
                             " is not a pair of non-negative integers");
    }
    const uint64_t begin = jo[0].get<uint64_t>(), end = jo[1].get<uint64_t>();
    if (end < begin) {
      parse_fail(source, where + ": data_offsets [" + std::to_string(begin) + ", " +
                             std::to_string(end) + "] end before begin");
    }
    uint64_t numel = 0;
    if (!checked_numel(e.shape, &numel) || numel > std::numeric_limits<uint64_t>::max() / esize) {
      parse_fail(source, where + ": shape " + shape_str(e.shape) + " overflows");
    }
    if (numel * esize != end - begin) {
      parse_fail(source, where + ": shape " + shape_str(e.shape) + " x " + e.dtype + " (" +
                             std::to_string(esize) + " bytes) = " + std::to_string(numel * esize) +
                             " bytes, but data_offsets [" + std::to_string(begin) + ", " +
                             std::to_string(end) + "] span " + std::to_string(end - begin));
    }
    infos.push_back({key, begin, end});
    out.tensors.emplace(key, std::move(e));
  }

  // The data must be covered exactly: sorted by offsets, each tensor starts where the previous
  // one ended, and the last one ends at the end of the file.
  std::sort(infos.begin(), infos.end(), [](const Info& a, const Info& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = size - 8 - n;
  uint64_t expected = 0;
  std::string previous;
  for (const Info& in : infos) {
    const std::string offs = "[" + std::to_string(in.begin) + ", " + std::to_string(in.end) + "]";
    if (in.end > data_size) {
      parse_fail(source, "tensor '" + in.name + "': data_offsets " + offs + " go past the " +
                             std::to_string(data_size) + " data bytes (truncated file?)");
    }
    if (in.begin < expected) {
      parse_fail(source, "tensor '" + in.name + "': data_offsets " + offs + " overlap tensor '" +
                             previous + "', which ends at " + std::to_string(expected));
    }
    if (in.begin > expected) {
      parse_fail(source, "tensor '" + in.name + "': data_offsets " + offs + " leave a gap of " +
                             std::to_string(in.begin - expected) + " bytes after " +
                             (previous.empty() ? "the header" : "tensor '" + previous + "'"));
    }
    expected = in.end;
    previous = in.name;
  }
  if (expected != data_size) {
    parse_fail(source, "the tensors cover " + std::to_string(expected) +
                           " data bytes but the file has " + std::to_string(data_size) +
                           " (trailing bytes)");
  }
  const uint8_t* data = bytes + 8 + n;
  for (const Info& in : infos) {
    SafetensorsEntry& e = out.tensors[in.name];
    e.data.assign(data + in.begin, data + in.end);
  }
  return out;
}

SafetensorsFile read_safetensors(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) io_fail("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) io_fail("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error("safetensors: " + path + " is not a regular file");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t r = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) io_fail("cannot read", path, errno);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  bytes.resize(done);
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

}  // namespace acl
