// The prepared-dataset cache: float16 conversion, a write/read round trip across shard
// boundaries, patient keys (and caches written before them), the synthetic generator's version,
// and the errors of an incomplete or damaged cache.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "tests/test_files.h"
#include "train/cache/cache_format.h"
#include "train/cache/cache_reader.h"
#include "train/cache/cache_writer.h"
#include "train/cache/float16.h"
#include "train/cache/generator_version.h"

namespace acl::cache {
namespace {
namespace fs = std::filesystem;

using acl::testing::error_of;
using acl::testing::temp_dir;

// The message of the error opening the cache in `dir` throws, "" when it opens.
std::string open_error(const fs::path& dir) {
  return error_of<std::runtime_error>([&] { CacheReader c(dir.string()); });
}

TEST(Float16, KnownValuesAndRounding) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);            // largest finite
  EXPECT_EQ(float_to_half(70000.0f), 0x7c00);            // overflow -> inf
  EXPECT_EQ(float_to_half(5.9604645e-8f), 0x0001);       // smallest subnormal
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);  // tie -> even
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);  // tie -> even (up)
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_to_float(0x0001), 5.9604644775390625e-8f);
}

TEST(Float16, RoundTripErrorWithinHalfAnUlp) {
  std::mt19937 gen(5);
  std::normal_distribution<float> d(0.f, 3.f);
  for (int i = 0; i < 100000; ++i) {
    float x = d(gen);
    float y = half_to_float(float_to_half(x));
    EXPECT_LE(std::fabs(x - y), std::fabs(x) * (1.0f / 2048) + 3e-8f) << x;
  }
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite half survives half->float->half
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h);
  }
}

CacheSpec small_spec() {
  CacheSpec s;
  s.dataset = "test";
  s.fs = 50.0;
  s.length = 37;
  s.lead_names = {"I", "II", "V1"};
  s.label_names = {"a", "b"};
  s.records_per_shard = 4;
  s.preprocessing = {{"bandpass_hz", {0.5, 20}}};
  return s;
}

TEST(Cache, RoundTripAcrossShards) {
  fs::path dir = temp_dir("roundtrip");
  CacheSpec spec = small_spec();
  std::mt19937 gen(11);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<std::vector<float>> signals;
  {
    CacheWriter w(dir.string(), spec);
    for (int r = 0; r < 10; ++r) {
      std::vector<float> sig(3 * 37);
      for (float& v : sig) v = d(gen);
      signals.push_back(sig);
      std::vector<int> peaks;
      for (int p = r % 3; p < 37; p += 9) peaks.push_back(p);
      w.append("rec" + std::to_string(r), sig.data(), peaks, {uint8_t(r % 2), uint8_t(r % 3 == 0)},
               r < 7 ? "train" : (r < 9 ? "val" : "test"));
    }
    w.finish();
  }
  CacheReader c(dir.string());
  EXPECT_EQ(c.size(), 10);
  EXPECT_EQ(c.n_leads(), 3);
  EXPECT_EQ(c.length(), 37);
  EXPECT_EQ(c.fs(), 50.0);
  EXPECT_EQ(c.dataset(), "test");
  EXPECT_EQ(c.lead_names(), spec.lead_names);
  EXPECT_EQ(c.label_names(), spec.label_names);
  EXPECT_EQ(c.index()["shards"].size(), 3u);
  EXPECT_EQ(c.index()["preprocessing"]["bandpass_hz"][1], 20);
  std::vector<float> out(3 * 37);
  for (int r = 0; r < 10; ++r) {
    c.read_signal(r, out.data());
    for (size_t k = 0; k < out.size(); ++k) {
      ASSERT_EQ(out[k], half_to_float(float_to_half(signals[r][k]))) << r << " " << k;
    }
    std::vector<int32_t> peaks;
    for (int p = r % 3; p < 37; p += 9) peaks.push_back(p);
    EXPECT_EQ(c.rpeaks(r), peaks);
    EXPECT_EQ(c.labels(r), (std::vector<uint8_t>{uint8_t(r % 2), uint8_t(r % 3 == 0)}));
    EXPECT_EQ(c.name(r), "rec" + std::to_string(r));
  }
  EXPECT_EQ(c.indices_of_split("val"), (std::vector<int64_t>{7, 8}));
  EXPECT_THROW(c.rpeaks(10), std::out_of_range);
  fs::remove_all(dir);
}

TEST(Cache, LabelVocabularyMayGrow) {
  fs::path dir = temp_dir("grow");
  CacheSpec spec = small_spec();
  spec.label_names = {"a"};
  std::vector<float> sig(3 * 37, 0.5f);
  CacheWriter w(dir.string(), spec);
  w.append("r0", sig.data(), {}, {1}, "train");
  w.set_label_names({"a", "b", "c"});
  w.append("r1", sig.data(), {3}, {0, 0, 1}, "train");
  w.finish();
  CacheReader c(dir.string());
  EXPECT_EQ(c.labels(0), (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(c.labels(1), (std::vector<uint8_t>{0, 0, 1}));
  fs::remove_all(dir);
}

TEST(Cache, UnfinishedCacheDoesNotOpen) {
  fs::path dir = temp_dir("unfinished");
  std::vector<float> sig(3 * 37, 0.5f);
  {
    CacheWriter w(dir.string(), small_spec());
    w.append("r0", sig.data(), {}, {0, 1}, "train");
  }  // no finish()
  const std::string unfinished = open_error(dir);
  EXPECT_NE(unfinished.find("index.json"), std::string::npos)
      << "opened an unfinished cache? " << unfinished;
  fs::remove_all(dir);
}

TEST(Cache, DamagedFilesAreNamed) {
  fs::path dir = temp_dir("damaged");
  std::vector<float> sig(3 * 37, 0.5f);
  CacheWriter w(dir.string(), small_spec());
  for (int r = 0; r < 5; ++r) w.append("r" + std::to_string(r), sig.data(), {1}, {0, 1}, "train");
  w.finish();
  fs::resize_file(dir / "signals_00001.f16", 10);  // truncated shard
  const std::string truncated = open_error(dir);
  EXPECT_NE(truncated.find("signals_00001.f16"), std::string::npos)
      << "opened a truncated shard? " << truncated;
  std::ofstream(dir / "index.json") << "{\"format\": \"acl-ecg-cache\", \"version\": 99}";
  const std::string future = open_error(dir);
  EXPECT_NE(future.find("version 99"), std::string::npos) << "opened a future version? " << future;
  fs::remove_all(dir);
}

TEST(Cache, ShardFilesStayInsideTheCacheDirectory) {
  fs::path dir = temp_dir("shard_outside");
  std::vector<float> sig(3 * 37, 0.5f);
  CacheWriter w(dir.string(), small_spec());
  for (int r = 0; r < 2; ++r) w.append("r" + std::to_string(r), sig.data(), {1}, {0, 1}, "train");
  w.finish();
  std::string index;
  {
    std::ifstream in(dir / "index.json");
    index.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string first = shard_file_name(0);
  ASSERT_NE(index.find(first), std::string::npos) << index;
  for (const std::string& bad : std::vector<std::string>{"../" + first, "/etc/passwd"}) {
    std::string edited = index;
    edited.replace(edited.find(first), first.size(), bad);
    std::ofstream(dir / "index.json") << edited;
    const std::string e = open_error(dir);
    EXPECT_NE(e.find("shard file '" + bad + "': must be a file name inside the cache directory"),
              std::string::npos)
        << bad << ": " << e;
    EXPECT_NE(e.find("index.json"), std::string::npos) << e;
  }
  fs::remove_all(dir);
}

TEST(Cache, AppendValidatesItsInput) {
  fs::path dir = temp_dir("validate");
  std::vector<float> sig(3 * 37, 0.5f);
  CacheWriter w(dir.string(), small_spec());
  EXPECT_THROW(w.append("r", sig.data(), {37}, {0, 1}, "train"), std::invalid_argument);
  EXPECT_THROW(w.append("r", sig.data(), {1}, {0}, "train"), std::invalid_argument);
  EXPECT_THROW(w.append("r", sig.data(), {1}, {0, 1}, "training"), std::invalid_argument);
  fs::remove_all(dir);
}

// A finished cache of `n` records "r0".."r<n-1>" of `dataset`; record r belongs to `patients[r]`
// ("" = its own patient) when given.
void write_small_cache(const fs::path& dir, int n, const std::string& dataset = "test",
                       const nlohmann::json& preprocessing = nlohmann::json::object(),
                       const std::vector<std::string>& patients = {}) {
  CacheSpec spec = small_spec();
  spec.dataset = dataset;
  spec.preprocessing = preprocessing;
  std::vector<float> sig(3 * 37, 0.5f);
  CacheWriter w(dir.string(), spec);
  for (int r = 0; r < n; ++r) {
    w.append("r" + std::to_string(r), sig.data(), {1}, {0, 1}, r % 2 ? "val" : "train",
             patients.empty() ? "" : patients[static_cast<size_t>(r)]);
  }
  w.finish();
}

nlohmann::json read_index(const fs::path& dir) {
  std::ifstream in(dir / "index.json");
  return nlohmann::json::parse(in);
}

void write_index(const fs::path& dir, const nlohmann::json& index) {
  std::ofstream(dir / "index.json") << index.dump(1);
}

TEST(CachePatients, RoundTripWithPatientKeys) {
  fs::path dir = temp_dir("patients");
  const std::vector<std::string> patients = {"p7", "p7", "", "p12", "p7", ""};
  write_small_cache(dir, 6, "test", nlohmann::json::object(), patients);
  CacheReader c(dir.string());
  EXPECT_TRUE(c.has_patient_ids());
  const std::vector<std::string> expected = {"p7", "p7", "r2", "p12", "p7", "r5"};
  for (int64_t r = 0; r < c.size(); ++r) EXPECT_EQ(c.patient(r), expected[r]) << r;
  EXPECT_EQ(c.index()["records"]["patient"].get<std::vector<std::string>>(), expected);
  EXPECT_THROW(c.patient(6), std::out_of_range);
  fs::remove_all(dir);
}

TEST(CachePatients, IndexWithoutPatientsHasOnePatientPerRecord) {
  fs::path dir = temp_dir("no_patients");
  write_small_cache(dir, 5, "test", nlohmann::json::object(), {"a", "a", "b", "b", "b"});
  nlohmann::json index = read_index(dir);
  index["records"].erase("patient");  // as written before patients were recorded
  write_index(dir, index);
  CacheReader c(dir.string());
  EXPECT_FALSE(c.has_patient_ids());
  ASSERT_EQ(c.size(), 5);
  for (int64_t r = 0; r < c.size(); ++r) EXPECT_EQ(c.patient(r), c.name(r));
  fs::remove_all(dir);
}

TEST(CachePatients, PatientArrayOfTheWrongLengthIsNamed) {
  fs::path dir = temp_dir("bad_patients");
  write_small_cache(dir, 5);
  nlohmann::json index = read_index(dir);
  index["records"]["patient"].erase(index["records"]["patient"].size() - 1);
  write_index(dir, index);
  const std::string short_array = open_error(dir);
  EXPECT_NE(short_array.find("index.json"), std::string::npos) << short_array;
  EXPECT_NE(short_array.find("records.patient has 4 entries, n_records is 5"), std::string::npos)
      << short_array;
  index["records"]["patient"] = "p1";
  write_index(dir, index);
  const std::string not_array = open_error(dir);
  EXPECT_NE(not_array.find("index.json"), std::string::npos) << not_array;
  EXPECT_NE(not_array.find("'patient'"), std::string::npos) << not_array;
  fs::remove_all(dir);
}

TEST(CacheGeneratorVersion, RecordedMissingAndNotSynthetic) {
  fs::path dir = temp_dir("generator_version");
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"version", 7}, {"seed", 0}}}});
  EXPECT_EQ(CacheReader(dir.string()).synthetic_generator_version(), 7);
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"seed", 0}}}});
  EXPECT_EQ(CacheReader(dir.string()).synthetic_generator_version(), 1)
      << "a synthetic cache from before versions were recorded is version 1";
  write_small_cache(dir, 2, "synthetic");
  EXPECT_EQ(CacheReader(dir.string()).synthetic_generator_version(), 1);
  write_small_cache(dir, 2, "ptbxl", {{"generator", {{"version", 7}}}});
  EXPECT_EQ(CacheReader(dir.string()).synthetic_generator_version(), 0);
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"version", "two"}}}});
  const std::string e = open_error(dir);
  EXPECT_NE(e.find("index.json"), std::string::npos) << e;
  EXPECT_NE(e.find("preprocessing.generator.version"), std::string::npos) << e;
  EXPECT_NE(e.find("\"two\""), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(CacheGeneratorVersion, NoteNamesBothVersionsAndTheCommand) {
  fs::path dir = temp_dir("generator_note");
  write_small_cache(dir, 3, "synthetic", {{"generator", {{"version", 1}}}});
  {
    CacheReader c(dir.string());
    EXPECT_EQ(describe_dataset(c), "synthetic (generator v1)");
    EXPECT_EQ(generator_version_note(c, "data/syn", 1), "");
    EXPECT_EQ(generator_version_note(c, "data/syn", 2),
              "the synthetic cache data/syn was made by generator v1, this build has generator "
              "v2; running on it as it is (`acl_prepare --synthetic 3 --out data/syn` makes a v2 "
              "cache)");
  }
  write_small_cache(dir, 3, "cinc");
  CacheReader c(dir.string());
  EXPECT_EQ(describe_dataset(c), "cinc");
  EXPECT_EQ(generator_version_note(c, "data/cinc", 2), "") << "not a synthetic cache";
  fs::remove_all(dir);
}

TEST(CacheGeneratorVersion, SyntheticDrawIsVersionAndSeed) {
  fs::path dir = temp_dir("generator_draw");
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"version", 2}, {"seed", 11}}}});
  EXPECT_EQ(synthetic_draw(CacheReader(dir.string())), "generator v2 seed 11");
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"seed", 0}}}});
  EXPECT_EQ(synthetic_draw(CacheReader(dir.string())), "generator v1 seed 0");
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"version", 2}}}});
  EXPECT_EQ(synthetic_draw(CacheReader(dir.string())), "") << "no seed recorded: unknown draw";
  write_small_cache(dir, 2, "synthetic", {{"generator", {{"version", 2}, {"seed", "x"}}}});
  EXPECT_EQ(synthetic_draw(CacheReader(dir.string())), "") << "a seed that is not an integer";
  write_small_cache(dir, 2, "ptbxl", {{"generator", {{"version", 2}, {"seed", 11}}}});
  EXPECT_EQ(synthetic_draw(CacheReader(dir.string())), "") << "not a synthetic cache";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace acl::cache
