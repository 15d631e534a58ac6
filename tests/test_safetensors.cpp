// safetensors: byte-exact round trips for every dtype, Tensor conversions, files built by hand from
// the format description, the writer's layout (sorting, alignment, padding), atomic replacement,
// and one test per malformed-file case, each checking that the error names the file and the key.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"
#include "engine/rng.h"
#include "tests/test_files.h"

namespace acl {
namespace {

using acl::testing::temp_path;

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void append_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// [u64 header size][header, space-padded to 8 when `pad`][data]
std::vector<uint8_t> build_file(std::string header, const std::vector<uint8_t>& data,
                                bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<uint8_t> out;
  append_u64(out, header.size());
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
void append_le(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // the host is little-endian (checked by the library)
  out.insert(out.end(), b, b + sizeof(T));
}

std::vector<uint8_t> random_bytes(size_t n, Rng& rng) {
  std::vector<uint8_t> b(n);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng.uniform() * 256.0);
  return b;
}

// ---- round trips --------------------------------------------------------------------------------

TEST(Safetensors, RoundTripEveryDtypeByteExact) {
  const std::vector<std::string> dtypes = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
                                           "I16",  "U16", "F16", "BF16",    "I32",
                                           "U32",  "F32", "F64", "I64",     "U64"};
  const std::vector<std::vector<int64_t>> shapes = {{}, {3}, {2, 3}, {2, 1, 3, 1, 2}, {0, 4}};
  Rng rng(21, 0);
  SafetensorsFile file;
  for (size_t d = 0; d < dtypes.size(); ++d) {
    for (size_t s = 0; s < shapes.size(); ++s) {
      SafetensorsEntry e;
      e.dtype = dtypes[d];
      e.shape = shapes[s];
      e.data = random_bytes(static_cast<size_t>(e.numel()) * safetensors_dtype_size(e.dtype), rng);
      file.tensors["t" + std::to_string(s) + "." + dtypes[d]] = e;
    }
  }
  file.metadata = {{"format", "test"}, {"config", "{\"a\": [1, 2]}"}, {"unicode", "\u00e9\u4e2d"}};
  const std::string path = temp_path("roundtrip");
  write_safetensors(path, file);
  SafetensorsFile back = read_safetensors(path);
  EXPECT_EQ(back.metadata, file.metadata);
  ASSERT_EQ(back.tensors.size(), file.tensors.size());
  for (const auto& [name, e] : file.tensors) {
    const SafetensorsEntry& b = back.tensors.at(name);
    EXPECT_EQ(b.dtype, e.dtype) << name;
    EXPECT_EQ(b.shape, e.shape) << name;
    EXPECT_EQ(b.data, e.data) << name;
  }
  // Writing what was read gives the same bytes.
  EXPECT_EQ(serialize_safetensors(back), read_bytes(path));
}

TEST(Safetensors, TensorConversionsAreExact) {
  Rng rng(4, 0);
  Tensor f32 = Tensor::normal(Shape{2, 3}, 0.0, 1.0, rng);
  Tensor f64 = Tensor::normal(Shape{4}, 0.0, 1.0, rng, DType::f64);
  Tensor bf = f32.to(DType::bf16);
  Tensor i32 =
      Tensor::from_vector(std::vector<int32_t>{-7, 0, 2147483647, -2147483647 - 1}, Shape{2, 2});
  Tensor scalar = Tensor::scalar(3.25);
  for (const Tensor& t : {f32, f64, bf, i32, scalar}) {
    SafetensorsEntry e = SafetensorsEntry::from_tensor(t);
    Tensor back = e.to_tensor();
    EXPECT_EQ(back.dtype(), t.dtype());
    EXPECT_EQ(back.shape(), t.shape());
    ASSERT_EQ(back.nbytes(), t.nbytes());
    EXPECT_EQ(std::memcmp(back.raw_data(), t.raw_data(), t.nbytes()), 0) << t.str();
  }
  EXPECT_EQ(std::string(SafetensorsEntry::from_tensor(bf).dtype), "BF16");
}

TEST(Safetensors, I64ConvertsToI32WhenItFits) {
  SafetensorsEntry fits = SafetensorsEntry::from_i64({5, -3, 2147483647}, {3});
  EXPECT_EQ(fits.to_tensor().to_vector<int32_t>(), (std::vector<int32_t>{5, -3, 2147483647}));
  EXPECT_EQ(fits.to_i64(), (std::vector<int64_t>{5, -3, 2147483647}));
  SafetensorsEntry big = SafetensorsEntry::from_i64({1, int64_t{1} << 40}, {2});
  try {
    big.to_tensor();
    FAIL() << "an I64 value beyond int32 converted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("1099511627776"), std::string::npos) << e.what();
  }
  SafetensorsEntry f16;
  f16.dtype = "F16";
  f16.shape = {1};
  f16.data = {0x00, 0x3c};
  EXPECT_THROW(f16.to_tensor(), std::runtime_error);
  SafetensorsEntry rank5;
  rank5.dtype = "F32";
  rank5.shape = {1, 1, 1, 1, 1};
  rank5.data.resize(4);
  EXPECT_THROW(rank5.to_tensor(), std::runtime_error);
}

// ---- the format, by hand ------------------------------------------------------------------------

// A file assembled byte by byte from the format description: unordered keys, __metadata__ last,
// tensors stored in the opposite of name order, no padding, pretty-printed JSON.
TEST(Safetensors, ReadsAFileBuiltByHand) {
  const std::string header =
      "{\n  \"weight\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [8, 24]},\n"
      "  \"count\": {\"shape\": [], \"data_offsets\": [0, 8], \"dtype\": \"I64\"},\n"
      "  \"half\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [24, 30]},\n"
      "  \"__metadata__\": {\"format\": \"pt\"}\n}";
  std::vector<uint8_t> data;
  append_le<int64_t>(data, 123456789012345);
  for (float v : {1.5f, -2.0f, 0.25f, 1e30f}) append_le<float>(data, v);
  for (uint16_t v : {0x3f80, 0xc000, 0x0000}) append_le<uint16_t>(data, v);  // 1, -2, 0 in bf16
  const std::string path = temp_path("by_hand");
  write_bytes(path, build_file(header, data, /*pad=*/false));

  SafetensorsFile f = read_safetensors(path);
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
  ASSERT_EQ(f.tensors.size(), 3u);
  EXPECT_EQ(f.tensors.at("count").to_i64(), (std::vector<int64_t>{123456789012345}));
  EXPECT_TRUE(f.tensors.at("count").shape.empty());
  Tensor w = f.tensors.at("weight").to_tensor();
  EXPECT_EQ(w.shape(), (Shape{2, 2}));
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 0.25f, 1e30f}));
  Tensor h = f.tensors.at("half").to_tensor();
  EXPECT_EQ(h.dtype(), DType::bf16);
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{1.0f, -2.0f, 0.0f}));
}

// What the reference reader (safetensors 0.8) accepts beyond our writer's output: whitespace
// before the opening brace and unknown fields in a tensor entry (ignored).
TEST(Safetensors, AcceptsWhatTheReferenceAccepts) {
  const std::string path = temp_path("lenient");
  write_bytes(path,
              build_file(R"( {"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4],"extra":[1]}})",
                         {7, 0, 0, 0}));
  SafetensorsFile f = read_safetensors(path);
  EXPECT_EQ(f.tensors.at("w").to_i64(), (std::vector<int64_t>{7}));
}

// The writer's bytes for one F32 [1, 2, 3] tensor named "attn.0" holding 0..5, spelled out: the
// compact header happens to be 64 bytes (no padding), data right after it.
TEST(Safetensors, WriterBytesForOneTensorSpelledOut) {
  SafetensorsFile file;
  std::vector<float> values = {0, 1, 2, 3, 4, 5};
  file.tensors["attn.0"] =
      SafetensorsEntry::from_tensor(Tensor::from_vector(values, Shape{1, 2, 3}));
  const std::string header = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  ASSERT_EQ(header.size(), 64u);
  std::vector<uint8_t> want;
  append_u64(want, 64);
  want.insert(want.end(), header.begin(), header.end());
  for (float v : values) append_le<float>(want, v);
  EXPECT_EQ(serialize_safetensors(file), want);

  // A rank-4 shape and a shorter name: the 65-byte header is padded with 7 spaces to 72.
  SafetensorsFile file2;
  file2.tensors["attn0"] = file.tensors["attn.0"];
  file2.tensors["attn0"].shape = {1, 1, 2, 3};
  std::vector<uint8_t> got = serialize_safetensors(file2);
  const std::string header2 =
      R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})";
  ASSERT_EQ(header2.size(), 65u);
  ASSERT_EQ(got.size(), 8u + 72u + 24u);
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + 8),
            (std::vector<uint8_t>{72, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(std::string(got.begin() + 8, got.begin() + 80), header2 + std::string(7, ' '));
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 80, got.end()),
            std::vector<uint8_t>(want.begin() + 72, want.end()));

  // No tensors, no metadata: "{}" and six spaces.
  std::vector<uint8_t> empty = serialize_safetensors(SafetensorsFile{});
  EXPECT_EQ(empty,
            (std::vector<uint8_t>{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}));
}

// Sorted by decreasing dtype alignment then name, back to back, each aligned to its element size;
// __metadata__ first.
TEST(Safetensors, WriterLayoutSortsAndAligns) {
  SafetensorsFile file;
  auto entry = [](const char* dtype, int64_t n) {
    SafetensorsEntry e;
    e.dtype = dtype;
    e.shape = {n};
    e.data.assign(static_cast<size_t>(n) * safetensors_dtype_size(dtype), 0xab);
    return e;
  };
  file.tensors["a_u8"] = entry("U8", 3);
  file.tensors["b_f64"] = entry("F64", 2);
  file.tensors["c_bf16"] = entry("BF16", 1);
  file.tensors["d_f32"] = entry("F32", 3);
  file.tensors["a_f32"] = entry("F32", 1);
  file.metadata["k"] = "v";
  std::vector<uint8_t> bytes = serialize_safetensors(file);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(header);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"__metadata__", "b_f64", "a_f32", "d_f32", "c_bf16",
                                            "a_u8"}));
  uint64_t expected = 0;
  for (size_t k = 1; k < keys.size(); ++k) {
    const uint64_t begin = j[keys[k]]["data_offsets"][0].get<uint64_t>();
    const uint64_t end = j[keys[k]]["data_offsets"][1].get<uint64_t>();
    EXPECT_EQ(begin, expected) << keys[k];
    EXPECT_EQ((8 + n + begin) % safetensors_dtype_size(j[keys[k]]["dtype"].get<std::string>()), 0u)
        << keys[k];
    expected = end;
  }
  EXPECT_EQ(8 + n + expected, bytes.size());
}

TEST(Safetensors, WriterRejectsInconsistentEntries) {
  SafetensorsFile file;
  SafetensorsEntry e;
  e.dtype = "F32";
  e.shape = {3};
  e.data.resize(8);
  file.tensors["short"] = e;
  EXPECT_THROW(serialize_safetensors(file), std::invalid_argument);
  file.tensors["short"].data.resize(12);
  file.tensors["short"].dtype = "F33";
  EXPECT_THROW(serialize_safetensors(file), std::invalid_argument);
  SafetensorsFile reserved;
  reserved.tensors["__metadata__"] = SafetensorsEntry::from_i64({1}, {1});
  EXPECT_THROW(serialize_safetensors(reserved), std::invalid_argument);
}

TEST(Safetensors, AtomicWriteReplacesAndLeavesNoTempFiles) {
  const std::string dir = temp_path("atomic");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir;
  const std::string path = dir + "/m.safetensors";
  SafetensorsFile a, b;
  a.tensors["x"] = SafetensorsEntry::from_i64({1, 2}, {2});
  b.tensors["y"] = SafetensorsEntry::from_i64({3}, {1});
  write_safetensors(path, a);
  write_safetensors(path, b);
  SafetensorsFile back = read_safetensors(path);
  EXPECT_EQ(back.tensors.count("x"), 0u);
  EXPECT_EQ(back.tensors.at("y").to_i64(), (std::vector<int64_t>{3}));
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* ent = ::readdir(d)) {
    std::string nm = ent->d_name;
    if (nm != "." && nm != "..") names.push_back(nm);
  }
  ::closedir(d);
  EXPECT_EQ(names, (std::vector<std::string>{"m.safetensors"}));
  std::remove(path.c_str());
  try {
    write_safetensors(dir + "/no/such/dir/m.safetensors", a);
    FAIL() << "wrote into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/no/such/dir/m.safetensors"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(::rmdir(dir.c_str()), 0) << dir;
}

// ---- malformed files ----------------------------------------------------------------------------

struct Malformed {
  std::string name;
  std::vector<uint8_t> bytes;
  std::vector<std::string> must_mention;  // besides the file name
};

std::vector<uint8_t> f32_data(int n) {
  return std::vector<uint8_t>(static_cast<size_t>(4 * n), 0);
}

// A file whose header holds only the tensor "w" with the JSON members `fields`, over n zero floats.
std::vector<uint8_t> w_file(const std::string& fields, int n = 2) {
  return build_file(R"({"w":{)" + fields + "}}", f32_data(n));
}

std::vector<Malformed> malformed_cases() {
  const std::string ok_w = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  std::vector<Malformed> c;
  c.push_back({"shorter_than_8_bytes", {1, 0, 0}, {"3 bytes"}});
  {
    std::vector<uint8_t> b;
    append_u64(b, 1000);
    b.push_back('{');
    c.push_back({"header_size_larger_than_file", b, {"header size 1000"}});
  }
  {
    std::vector<uint8_t> b;
    append_u64(b, std::numeric_limits<uint64_t>::max());
    c.push_back({"header_size_huge", b, {"header size 18446744073709551615"}});
  }
  c.push_back(
      {"header_not_json", build_file("{\"w\": {\"dtype\": \"F32\",", {}), {"not valid JSON"}});
  c.push_back({"header_not_object", build_file("[1, 2]", {}), {"not a JSON object"}});
  c.push_back({"header_not_utf8", build_file("{\"w\xff\": 1}", {}), {"UTF-8"}});
  c.push_back({"missing_dtype", w_file(R"("shape":[2],"data_offsets":[0,8])"), {"'w'", "dtype"}});
  c.push_back({"missing_shape", w_file(R"("dtype":"F32","data_offsets":[0,8])"), {"'w'", "shape"}});
  c.push_back(
      {"missing_data_offsets", w_file(R"("dtype":"F32","shape":[2])"), {"'w'", "data_offsets"}});
  c.push_back({"unknown_dtype",
               w_file(R"("dtype":"F33","shape":[2],"data_offsets":[0,8])"),
               {"'w'", "'F33'"}});
  c.push_back({"negative_extent",
               w_file(R"("dtype":"F32","shape":[-2],"data_offsets":[0,8])"),
               {"'w'", "[-2]"}});
  c.push_back({"fractional_offset",
               w_file(R"("dtype":"F32","shape":[2],"data_offsets":[0,8.5])"),
               {"'w'", "8.5"}});
  c.push_back({"size_mismatch",
               w_file(R"("dtype":"F32","shape":[3],"data_offsets":[0,8])"),
               {"'w'", "[3]", "12 bytes", "[0, 8]"}});
  c.push_back({"end_before_begin",
               w_file(R"("dtype":"F32","shape":[0],"data_offsets":[8,0])"),
               {"'w'", "[8, 0]"}});
  c.push_back({"offsets_out_of_range",
               w_file(R"("dtype":"F32","shape":[4],"data_offsets":[0,16])"),
               {"'w'", "[0, 16]", "8 data bytes"}});
  c.push_back({"overlapping_offsets",
               build_file("{" + ok_w + R"(,"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                          f32_data(2)),
               {"overlap", "'v'", "'w'", "[4, 8]"}});
  c.push_back(
      {"gap_between_tensors",
       build_file("{" + ok_w + R"(,"v":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                  f32_data(4)),
       {"gap of 4 bytes", "'v'", "'w'"}});
  c.push_back({"gap_at_start",
               w_file(R"("dtype":"F32","shape":[1],"data_offsets":[4,8])"),
               {"gap of 4 bytes", "'w'", "header"}});
  c.push_back({"trailing_bytes", build_file("{" + ok_w + "}", f32_data(3)), {"trailing", "12"}});
  c.push_back({"non_string_metadata",
               build_file(R"({"__metadata__":{"epoch":3},)" + ok_w + "}", f32_data(2)),
               {"'epoch'", "3"}});
  c.push_back({"metadata_not_object",
               build_file(R"({"__metadata__":"x",)" + ok_w + "}", f32_data(2)),
               {"__metadata__"}});
  c.push_back({"duplicate_key",
               build_file("{" + ok_w + "," + ok_w + "}", f32_data(2)),
               {"duplicate key 'w'"}});
  {
    // A valid file cut short by one byte.
    std::vector<uint8_t> b = build_file("{" + ok_w + "}", f32_data(2));
    b.pop_back();
    c.push_back({"truncated_file", b, {"'w'", "truncated"}});
  }
  return c;
}

void PrintTo(const Malformed& m, std::ostream* os) {
  *os << m.name;
}

class SafetensorsMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(SafetensorsMalformed, ThrowsNamingFileAndKey) {
  const Malformed& m = GetParam();
  const std::string path = temp_path("bad_" + m.name);
  write_bytes(path, m.bytes);
  try {
    read_safetensors(path);
    FAIL() << m.name << ": read without error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << "no file name in: " << msg;
    for (const std::string& s : m.must_mention)
      EXPECT_NE(msg.find(s), std::string::npos) << "no '" << s << "' in: " << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SafetensorsMalformed, ::testing::ValuesIn(malformed_cases()),
                         [](const ::testing::TestParamInfo<Malformed>& info) {
                           return info.param.name;
                         });

TEST(Safetensors, MissingFileNamesThePath) {
  const std::string path = temp_path("does_not_exist");
  std::remove(path.c_str());
  try {
    read_safetensors(path);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace acl
