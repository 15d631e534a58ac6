// objective.positives: the contrastive ids of record and patient positives read by the kernels'
// (record, region, view) rule, the loss on patient ids against a direct float64 multi-positive
// NT-Xent written from the patients (value and central-difference gradient), the objective on a
// real batch of a synthetic cache against that reference, the batches' patient codes, the config
// key, the refusal of a cache without patient ids, and a patient-ordered run resumed bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"
#include "engine/ops_contrastive.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "train/cache/cache_format.h"
#include "train/cache/cache_reader.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/objective.h"
#include "train/pretrain/run_dir.h"
#include "train/pretrain/trainer.h"

namespace acl::pretrain {
namespace {

namespace fs = std::filesystem;
using experiment::ExperimentConfig;
using experiment::Method;
using experiment::Positives;
using nlohmann::json;

// ---- the kernels' rule, read from ops_contrastive.h --------------------------------------------

enum Kind { kExcluded, kPositive, kNegative };

Kind kind(const std::vector<int32_t>& ids, size_t i, size_t j) {
  const bool same = ids[3 * i] == ids[3 * j] && ids[3 * i + 1] == ids[3 * j + 1];
  if (same && ids[3 * i + 2] == ids[3 * j + 2]) return kExcluded;
  return same ? kPositive : kNegative;
}

// Row k of contrastive_ids(.., batch, regions, .., ranks): its view, record of the batch, region.
struct Row {
  int view;
  int64_t record;
  int region;
};
Row row_of(size_t k, int views, int64_t batch, int regions, int ranks) {
  const int64_t per_rank = batch / ranks;
  const auto r = static_cast<int>(k % regions);
  int64_t rest = static_cast<int64_t>(k) / regions;
  const int64_t b = rest % per_rank;
  rest /= per_rank;
  const auto v = static_cast<int>(rest % views);
  const auto q = static_cast<int64_t>(rest / views);
  return {v, q * per_rank + b, r};
}

TEST(ContrastiveIds, RecordPositivesAreTheRecordsOtherViews) {
  const std::vector<int32_t> ids = contrastive_ids(Positives::kRecord, 3, 4, 2, {});
  ASSERT_EQ(ids.size(), static_cast<size_t>(3 * 4 * 2 * 3));
  for (size_t i = 0; i < ids.size() / 3; ++i) {
    const Row a = row_of(i, 3, 4, 2, 1);
    EXPECT_EQ(ids[3 * i], a.record);
    EXPECT_EQ(ids[3 * i + 1], a.region);
    EXPECT_EQ(ids[3 * i + 2], a.view);
    for (size_t j = 0; j < ids.size() / 3; ++j) {
      const Row b = row_of(j, 3, 4, 2, 1);
      const Kind want = i == j                                         ? kExcluded
                        : a.record == b.record && a.region == b.region ? kPositive
                                                                       : kNegative;
      EXPECT_EQ(kind(ids, i, j), want) << "rows " << i << ", " << j;
    }
  }
}

// Records 0 and 2 are one patient, 3 and 5 another; 1 and 4 are alone. Every view of a record of
// the anchor's patient in the same region is a positive (its own record's other views included),
// every other row a negative, and only the row itself is excluded. With ranks the rows are in the
// gathered order and the record they stand for follows it.
TEST(ContrastiveIds, PatientPositivesAreEveryViewOfThePatientsRecords) {
  const std::vector<int32_t> patients{7, 3, 7, 0, 9, 0};
  for (int ranks : {1, 2, 3}) {
    for (int regions : {1, 2}) {
      SCOPED_TRACE("ranks " + std::to_string(ranks) + ", regions " + std::to_string(regions));
      const std::vector<int32_t> ids =
          contrastive_ids(Positives::kPatient, 2, 6, regions, patients, ranks);
      const size_t M = ids.size() / 3;
      ASSERT_EQ(M, static_cast<size_t>(2 * 6 * regions));
      int same_patient_other_record = 0, own_other_view = 0, negatives = 0;
      for (size_t i = 0; i < M; ++i) {
        const Row a = row_of(i, 2, 6, regions, ranks);
        EXPECT_EQ(ids[3 * i], patients[static_cast<size_t>(a.record)]) << "row " << i;
        for (size_t j = 0; j < M; ++j) {
          const Row b = row_of(j, 2, 6, regions, ranks);
          const bool same_patient =
              patients[static_cast<size_t>(a.record)] == patients[static_cast<size_t>(b.record)];
          Kind want = kNegative;
          if (i == j) {
            want = kExcluded;
          } else if (same_patient && a.region == b.region) {
            want = kPositive;
            if (a.record == b.record)
              ++own_other_view;
            else
              ++same_patient_other_record;
          } else {
            ++negatives;
          }
          EXPECT_EQ(kind(ids, i, j), want) << "rows " << i << ", " << j;
        }
      }
      // Two patients of two records: 2 x 2 ordered record pairs, 2 x 2 views each, per region.
      EXPECT_EQ(same_patient_other_record, 2 * 2 * 2 * 2 * regions);
      EXPECT_EQ(own_other_view, 6 * 2 * regions);
      EXPECT_GT(negatives, 0);
    }
  }
}

TEST(ContrastiveIds, BadShapesAreRefused) {
  EXPECT_THROW(contrastive_ids(Positives::kPatient, 2, 4, 1, {1, 2, 3}), std::invalid_argument);
  EXPECT_THROW(contrastive_ids(Positives::kRecord, 2, 5, 1, {}, 2), std::invalid_argument);
}

// ---- the float64 reference: multi-positive NT-Xent written from the patients -------------------

// z (V*B, d) rows (v*B + b); the positives of row i are the other rows of its record's patient.
// loss_i = -(1/|P_i|) sum_{p in P_i} s_ip + log sum_{j != i} exp(s_ij), s = <z_i, z_j> / (|z_i|
// |z_j| tau); the mean over the rows with a positive.
double multi_positive_ntxent(const std::vector<double>& z, int64_t d,
                             const std::vector<std::string>& patient_of_record, int views,
                             double tau) {
  const auto B = static_cast<int64_t>(patient_of_record.size());
  const int64_t M = views * B;
  std::vector<double> zn(z);
  for (int64_t i = 0; i < M; ++i) {
    double n = 0;
    for (int64_t k = 0; k < d; ++k) n += z[i * d + k] * z[i * d + k];
    for (int64_t k = 0; k < d; ++k) zn[i * d + k] = z[i * d + k] / std::sqrt(n);
  }
  double total = 0;
  int64_t anchors = 0;
  for (int64_t i = 0; i < M; ++i) {
    double pos = 0, sum_exp = 0;
    int64_t n_pos = 0;
    for (int64_t j = 0; j < M; ++j) {
      if (j == i) continue;
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += zn[i * d + k] * zn[j * d + k];
      s /= tau;
      sum_exp += std::exp(s);
      if (patient_of_record[static_cast<size_t>(i % B)] ==
          patient_of_record[static_cast<size_t>(j % B)]) {
        pos += s;
        ++n_pos;
      }
    }
    if (n_pos == 0) continue;
    total += std::log(sum_exp) - pos / static_cast<double>(n_pos);
    ++anchors;
  }
  return total / static_cast<double>(anchors);
}

TEST(PatientPositivesLoss, EqualsTheFloat64MultiPositiveNtXentAndItsGradient) {
  const std::vector<std::string> patient_names{"p4", "p1", "p4", "p2", "p1", "p4", "p3"};
  const std::vector<int32_t> codes{0, 1, 0, 2, 1, 0, 3};
  const int V = 2;
  const int64_t B = 7, d = 5, M = V * B;
  const double tau = 0.3;
  Rng rng(41, 0);
  const std::vector<double> z0 =
      Tensor::normal(Shape{M, d}, 0.0, 1.0, rng, DType::f64).to_vector<double>();
  const Tensor ids =
      Tensor::from_vector(contrastive_ids(Positives::kPatient, V, B, 1, codes), Shape{M, 3});
  const double want = multi_positive_ntxent(z0, d, patient_names, V, tau);
  ASSERT_GT(want, 0.1);

  Tensor z = Tensor::from_vector(z0, Shape{M, d});
  z.set_requires_grad(true);
  ContrastiveOutput c = contrastive_loss(z, ids, tau);
  EXPECT_EQ(c.anchors, M);
  EXPECT_NEAR(c.loss.item(), want, 1e-12 * std::abs(want));
  c.loss.backward();
  const std::vector<double> grad = z.grad().to_vector<double>();
  double largest = 0;
  for (size_t e = 0; e < z0.size(); ++e) {
    std::vector<double> zp = z0, zm = z0;
    const double h = 1e-6;
    zp[e] += h;
    zm[e] -= h;
    const double numeric = (multi_positive_ntxent(zp, d, patient_names, V, tau) -
                            multi_positive_ntxent(zm, d, patient_names, V, tau)) /
                           (2 * h);
    largest = std::max(largest, std::abs(numeric));
    EXPECT_NEAR(grad[e], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << "element " << e;
  }
  EXPECT_GT(largest, 1e-3);

  // f32: the same loss at f32 rounding (a sum over 14 rows of terms of size ~1/tau).
  Tensor z32 = Tensor::from_vector(z0, Shape{M, d}).to(DType::f32);
  EXPECT_NEAR(contrastive_loss(z32, ids, tau).loss.item(), want, 1e-5 * std::abs(want));

  // The record positives of the same rows give another loss: the patients matter.
  const Tensor record_ids =
      Tensor::from_vector(contrastive_ids(Positives::kRecord, V, B, 1, {}), Shape{M, 3});
  std::vector<std::string> own(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) own[static_cast<size_t>(b)] = "r" + std::to_string(b);
  const double want_record = multi_positive_ntxent(z0, d, own, V, tau);
  EXPECT_NEAR(contrastive_loss(Tensor::from_vector(z0, Shape{M, d}), record_ids, tau).loss.item(),
              want_record, 1e-12 * std::abs(want_record));
  EXPECT_GT(std::abs(want_record - want), 1e-3);
}

// ---- on a synthetic cache ----------------------------------------------------------------------

class PositivesCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = acl::testing::temp_path("positives");
    acl::testing::prepare_synthetic_cache((root_ / "cache").string(), kRecords, 16, 5);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static json clocs_json() {
    json j = json::parse(R"({
      "seed": 2,
      "data": {"split": "all", "view_length": 128, "prefetch_batches": 1},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 16, "out_dim": 8}}},
      "objective": {"method": "clocs", "tau": 0.2},
      "train": {"steps": 2, "batch_size": 24, "device": "cpu"},
      "optimizer": {"schedule": {"warmup_steps": 1}}
    })");
    j["data"]["cache"] = (root_ / "cache").string();
    return j;
  }

  static constexpr int64_t kRecords = 48;
  static fs::path root_;
};
fs::path PositivesCacheTest::root_;

TEST_F(PositivesCacheTest, PatientCodesNumberTheCachesPatients) {
  cache::CacheReader cache((root_ / "cache").string());
  ASSERT_TRUE(cache.has_patient_ids());
  const std::vector<int32_t> codes = patient_codes(cache);
  ASSERT_EQ(static_cast<int64_t>(codes.size()), cache.size());
  int shared = 0;
  for (int64_t i = 0; i < cache.size(); ++i)
    for (int64_t j = 0; j < cache.size(); ++j) {
      EXPECT_EQ(codes[static_cast<size_t>(i)] == codes[static_cast<size_t>(j)],
                cache.patient(i) == cache.patient(j))
          << "records " << i << ", " << j;
      if (i != j && cache.patient(i) == cache.patient(j)) ++shared;
    }
  EXPECT_GT(shared, 0) << "the synthetic generator draws several records per patient";
  EXPECT_EQ(codes[0], 0);
  EXPECT_LE(*std::max_element(codes.begin(), codes.end()), cache.size() - 1);
}

// Every slice of a batch carries the patient codes of the whole batch, in batch order.
TEST_F(PositivesCacheTest, BatchesCarryTheWholeBatchsPatients) {
  cache::CacheReader cache((root_ / "cache").string());
  const std::vector<int32_t> codes = patient_codes(cache);
  std::vector<int64_t> records;
  for (int64_t i = 1; i < kRecords; i += 2) records.push_back(i);
  for (int64_t begin : {0, 4}) {
    LoaderOptions lo;
    lo.batch_size = 8;
    lo.seed = 9;
    lo.prefetch_batches = 2;
    lo.slice_begin = begin;
    lo.slice_size = 4;
    BatchLoader loader(cache, records, lo, {0, 1});
    for (int k = 0; k < 4; ++k) {
      Batch b = loader.next(Device::CPU);
      const std::vector<int64_t> all = batch_records(records, 8, 9, b.position);
      ASSERT_EQ(b.batch_patients.size(), all.size());
      for (size_t j = 0; j < all.size(); ++j)
        EXPECT_EQ(b.batch_patients[j], codes[static_cast<size_t>(all[j])]) << "record " << j;
      EXPECT_EQ(b.slice_begin, begin);
      for (int64_t j = 0; j < 4; ++j)
        EXPECT_EQ(b.record_index[static_cast<size_t>(j)], all[static_cast<size_t>(begin + j)]);
    }
  }
}

// The objective on a real batch: its global loss is the float64 multi-positive NT-Xent of the
// projections it computed, with the patients read from the cache by name, for a batch where two
// records share a patient; with record positives it is the reference of one patient per record.
TEST_F(PositivesCacheTest, ObjectiveLossIsTheMultiPositiveNtXentOfTheBatchsPatients) {
  cache::CacheReader cache((root_ / "cache").string());
  std::vector<int64_t> records(static_cast<size_t>(kRecords));
  for (int64_t i = 0; i < kRecords; ++i) records[static_cast<size_t>(i)] = i;
  for (const char* positives : {"patient", "record"}) {
    SCOPED_TRACE(positives);
    json j = clocs_json();
    if (std::string(positives) == "record") j["objective"]["positives"] = "record";
    const ExperimentConfig config = ExperimentConfig::from_json(j, "test");
    Rng init(config.seed, 1);
    PretrainModel model(config, init);
    Objective objective(config, cache.fs(), model);
    LoaderOptions lo;
    lo.batch_size = 24;
    lo.seed = 2;
    lo.prefetch_batches = 1;
    BatchLoader loader(cache, records, lo);
    const Batch batch = loader.next(Device::CPU);

    std::vector<std::string> patient(batch.record_index.size());
    int same_patient_pairs = 0;
    for (size_t b = 0; b < patient.size(); ++b) {
      patient[b] = std::string(positives) == "patient" ? cache.patient(batch.record_index[b])
                                                       : cache.name(batch.record_index[b]);
      for (size_t a = 0; a < b; ++a)
        same_patient_pairs +=
            cache.patient(batch.record_index[a]) == cache.patient(batch.record_index[b]);
    }
    ASSERT_GT(same_patient_pairs, 0) << "the test needs a batch with two records of one patient";

    Tensor z;
    objective.set_activation_hook([&](const std::string& name, const Tensor& t) {
      if (name == "projection") z = t.detach().to(DType::f64);
    });
    const LossTerms terms = objective.compute_loss(batch);
    ASSERT_TRUE(z.defined());
    const double want =
        multi_positive_ntxent(z.to_vector<double>(), z.size(1), patient, 2, config.objective.tau);
    // f32 forward: s_ij rounded at ~1e-7 / tau, summed over 48 columns.
    EXPECT_NEAR(terms.loss_global.item(), want, 1e-5 * std::abs(want));
    EXPECT_EQ(terms.anchors_global, 48);
    EXPECT_EQ(terms.loss.item(), terms.loss_global.item());
  }
}

TEST_F(PositivesCacheTest, ACacheWithoutPatientIdsIsRefusedNamingTheKeyAndTheCache) {
  const fs::path old = root_ / "old_cache";
  fs::create_directories(old);
  for (const auto& e : fs::directory_iterator(root_ / "cache"))
    fs::copy(e.path(), old / e.path().filename());
  {
    std::ifstream in(old / cache::kIndexFile);
    json index = json::parse(in);
    ASSERT_TRUE(index["records"].contains("patient"));
    index["records"].erase("patient");
    std::ofstream(old / cache::kIndexFile) << index.dump();
  }
  cache::CacheReader cache(old.string());
  ASSERT_FALSE(cache.has_patient_ids());
  const std::vector<int64_t> records{0, 1, 2, 3};
  json j = clocs_json();
  j["data"]["cache"] = old.string();
  j["train"]["batch_size"] = 2;
  auto error_of = [&](const json& cfg) {
    try {
      check_patients(ExperimentConfig::from_json(cfg, "test"), cache, records);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string e = error_of(j);
  EXPECT_NE(e.find("objective.positives: \"patient\""), std::string::npos) << e;
  EXPECT_NE(e.find(old.string()), std::string::npos) << e;
  EXPECT_NE(e.find("set objective.positives to \"record\""), std::string::npos) << e;
  j["objective"]["positives"] = "record";
  j["data"]["order"] = "patients";
  e = error_of(j);
  EXPECT_NE(e.find("data.order: \"patients\""), std::string::npos) << e;
  EXPECT_NE(e.find(old.string()), std::string::npos) << e;
  j["data"]["order"] = "records";
  EXPECT_EQ(check_patients(ExperimentConfig::from_json(j, "test"), cache, records), "");
}

// The log line: the patients of the records and the same-patient pairs of the batches of epoch 0,
// counted here over every pair of each batch_records() batch, for both orders.
TEST_F(PositivesCacheTest, TheNoteCountsThePatientsAndTheSamePatientPairsOfABatch) {
  cache::CacheReader cache((root_ / "cache").string());
  std::vector<int64_t> records;
  for (int64_t i = 0; i < kRecords; i += 3) records.push_back(i);
  for (int64_t i = 1; i < kRecords; i += 3) records.push_back(i);
  std::map<std::string, int> n;
  for (int64_t r : records) ++n[cache.patient(r)];
  int64_t shared = 0;
  for (const auto& [p, k] : n) shared += k > 1 ? k : 0;
  const std::vector<int32_t> codes = patient_codes(cache);
  double by_order[2] = {0, 0};
  for (const char* order : {"records", "patients"}) {
    SCOPED_TRACE(order);
    json j = clocs_json();
    j["data"]["order"] = order;
    j["train"]["batch_size"] = 6;
    const ExperimentConfig c = ExperimentConfig::from_json(j, "test");
    const bool grouped = std::string(order) == "patients";
    int64_t pairs = 0;
    const auto batches = static_cast<int64_t>(records.size()) / 6;
    for (int64_t k = 0; k < batches; ++k) {
      const std::vector<int64_t> b = batch_records(
          records, 6, c.seed, {0, static_cast<uint64_t>(k)}, grouped ? &codes : nullptr);
      for (size_t x = 0; x < b.size(); ++x)
        for (size_t y = 0; y < x; ++y) pairs += cache.patient(b[x]) == cache.patient(b[y]);
    }
    by_order[grouped] = static_cast<double>(pairs) / static_cast<double>(batches);
    const std::string note = check_patients(c, cache, records);
    char want[256];
    std::snprintf(want, sizeof want, "%zu records of %zu patients, %lld of them share",
                  records.size(), n.size(), static_cast<long long>(shared));
    EXPECT_NE(note.find(want), std::string::npos) << note;
    std::snprintf(want, sizeof want,
                  "the %lld batches of 6 of epoch 0 (data.order \"%s\") hold %.2f",
                  static_cast<long long>(batches), order, by_order[grouped]);
    EXPECT_NE(note.find(want), std::string::npos) << note;
    // Fewer than one pair per batch: the note points at the patient order.
    EXPECT_EQ(note.find("data.order \"patients\" keeps") != std::string::npos,
              !grouped && by_order[0] < 1)
        << note;
  }
  EXPECT_LT(by_order[0], 1) << "uniform batches of 6 should hold under one pair (the hint's case)";
  EXPECT_GT(by_order[1], 2 * by_order[0]) << "grouping by patient gathers a patient's records";
}

// Grouped by patient: a permutation of the records, a pure function of (seed, epoch), with each
// patient's records contiguous; the patients' order and the order within a patient change with
// the epoch.
TEST_F(PositivesCacheTest, PatientOrderKeepsAPatientsRecordsTogether) {
  cache::CacheReader cache((root_ / "cache").string());
  const std::vector<int32_t> codes = patient_codes(cache);
  std::vector<int64_t> records;
  for (int64_t i = kRecords - 1; i >= 0; i -= 1) records.push_back(i);
  const std::vector<int64_t> o = epoch_order(records, 4, 2, &codes);
  std::vector<int64_t> sorted = o;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], static_cast<int64_t>(i));
  EXPECT_EQ(o, epoch_order(records, 4, 2, &codes));
  EXPECT_NE(o, epoch_order(records, 4, 3, &codes));
  EXPECT_NE(o, epoch_order(records, 5, 2, &codes));
  EXPECT_NE(o, epoch_permutation(static_cast<int64_t>(records.size()), 4, 2));
  std::map<int32_t, std::vector<size_t>> where;
  for (size_t i = 0; i < o.size(); ++i)
    where[codes[static_cast<size_t>(records[static_cast<size_t>(o[i])])]].push_back(i);
  for (const auto& [patient, at] : where)
    EXPECT_EQ(at.back() - at.front() + 1, at.size()) << "patient " << patient << " is split";
  // Within a patient the records are shuffled too: some patient's records change order.
  bool reordered = false;
  for (uint64_t e = 0; e < 6 && !reordered; ++e) {
    const std::vector<int64_t> a = epoch_order(records, 4, e, &codes),
                               b = epoch_order(records, 4, e + 1, &codes);
    std::map<int32_t, std::vector<int64_t>> wa, wb;
    for (int64_t i : a)
      wa[codes[static_cast<size_t>(records[static_cast<size_t>(i)])]].push_back(i);
    for (int64_t i : b)
      wb[codes[static_cast<size_t>(records[static_cast<size_t>(i)])]].push_back(i);
    reordered = wa != wb;
  }
  EXPECT_TRUE(reordered);
}

// A loader ordered by patient hands out batch_records(.., patients) batches, resumed at a position
// as from the start.
TEST_F(PositivesCacheTest, PatientOrderLoaderFollowsBatchRecordsAndResumes) {
  cache::CacheReader cache((root_ / "cache").string());
  const std::vector<int32_t> codes = patient_codes(cache);
  std::vector<int64_t> records;
  for (int64_t i = 0; i < kRecords; i += 1) records.push_back(i);
  LoaderOptions lo;
  lo.batch_size = 10;
  lo.seed = 6;
  lo.prefetch_batches = 2;
  lo.by_patient = true;
  BatchLoader from_start(cache, records, lo);
  std::vector<std::vector<int64_t>> seen;
  for (int k = 0; k < 9; ++k) {
    Batch b = from_start.next(Device::CPU);
    EXPECT_EQ(b.record_index, batch_records(records, 10, 6, b.position, &codes));
    seen.push_back(b.record_index);
  }
  BatchLoader resumed(cache, records, lo, {1, 1});
  for (int k = 5; k < 9; ++k) EXPECT_EQ(resumed.next(Device::CPU).record_index, seen[k]);
}

// CLOCS with patient positives and the patient order: stopped at step 4 and resumed, the run
// goes on as the uninterrupted one, bit for bit, across the epoch boundary (6 batches an epoch).
TEST_F(PositivesCacheTest, PatientOrderRunResumedEqualsTheUninterruptedRun) {
  auto run_config = [&](const std::string& name) {
    json j = clocs_json();
    j["data"]["order"] = "patients";
    j["train"]["batch_size"] = 8;
    j["train"]["steps"] = 9;
    j["train"]["checkpoint_every"] = 0;
    j["out_dir"] = (root_ / name).string();
    return ExperimentConfig::from_json(j, "test");
  };
  TrainerOptions quiet;
  quiet.progress = false;
  std::vector<StepValues> whole, split;
  {
    TrainerOptions o = quiet;
    o.on_step = [&](const StepReport& r) { whole.push_back(r.values); };
    ASSERT_EQ(train(run_config("whole"), o).status, TrainStatus::kCompleted);
  }
  {
    volatile std::sig_atomic_t stop = 0;
    TrainerOptions o = quiet;
    o.stop_signal = &stop;
    o.on_step = [&](const StepReport& r) {
      split.push_back(r.values);
      if (r.step == 4) stop = SIGINT;
    };
    const TrainResult r = train(run_config("split"), o);
    ASSERT_EQ(r.status, TrainStatus::kInterrupted);
    ASSERT_EQ(r.steps, 4);
  }
  {
    TrainerOptions o = quiet;
    o.resume = (root_ / "split").string();
    o.on_step = [&](const StepReport& r) { split.push_back(r.values); };
    ASSERT_EQ(train(run_config("split"), o).status, TrainStatus::kCompleted);
  }
  ASSERT_EQ(whole.size(), 9u);
  ASSERT_EQ(split.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(split[i].loss, whole[i].loss) << "step " << i + 1;
    EXPECT_EQ(split[i].acc_global, whole[i].acc_global) << "step " << i + 1;
  }
  const auto a = read_safetensors((root_ / "whole" / kEncoderFile).string());
  const auto b = read_safetensors((root_ / "split" / kEncoderFile).string());
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    ASSERT_TRUE(b.tensors.count(name)) << name;
    EXPECT_EQ(t.to_tensor().to_vector<double>(), b.tensors.at(name).to_tensor().to_vector<double>())
        << name;
  }
}

// ---- the config key ----------------------------------------------------------------------------

ExperimentConfig parse(json j) {
  j["data"]["cache"] = "somewhere";
  return ExperimentConfig::from_json(j, "cfg.json");
}

TEST(PositivesConfig, ClocsDefaultsToPatientsTheOthersToRecords) {
  EXPECT_EQ(parse(json::object()).objective.positives, Positives::kRecord);
  EXPECT_EQ(parse({{"objective", {{"method", "simclr"}}}}).objective.positives, Positives::kRecord);
  EXPECT_EQ(parse({{"objective", {{"method", "clocs"}}}}).objective.positives, Positives::kPatient);
  EXPECT_EQ(
      parse({{"objective", {{"method", "clocs"}, {"positives", "record"}}}}).objective.positives,
      Positives::kRecord);
  EXPECT_EQ(
      parse({{"objective", {{"method", "simclr"}, {"positives", "patient"}}}}).objective.positives,
      Positives::kPatient);
  const ExperimentConfig c = parse({{"objective", {{"method", "clocs"}}}});
  EXPECT_EQ(c.to_json()["objective"]["positives"], "patient");
  EXPECT_EQ(ExperimentConfig::from_json(c.to_json(), "round trip").objective.positives,
            Positives::kPatient);
  EXPECT_STREQ(experiment::positives_name(Positives::kRecord), "record");
  EXPECT_EQ(parse({{"objective", {{"method", "clocs"}}}}).data.order,
            experiment::DataOrder::kRecords);
  EXPECT_EQ(parse({{"data", {{"order", "patients"}}}}).data.order,
            experiment::DataOrder::kPatients);
}

TEST(PositivesConfig, ErrorsNameTheKey) {
  auto error_of = [](const json& j) {
    try {
      parse(j);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string e = error_of({{"objective", {{"method", "clocs"}, {"positives", "patients"}}}});
  EXPECT_NE(e.find("objective.positives"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"patient\""), std::string::npos) << e;
  e = error_of({{"data", {{"order", "patient"}}}});
  EXPECT_NE(e.find("data.order: unknown order \"patient\"; did you mean \"patients\""),
            std::string::npos)
      << e;
  e = error_of({{"objective", {{"positives", 1}}}});
  EXPECT_NE(e.find("objective.positives"), std::string::npos) << e;
  e = error_of({{"objective", {{"positive", "patient"}}}});
  EXPECT_NE(e.find("objective.positive: unknown key; did you mean 'positives'"), std::string::npos)
      << e;  // the closest key
}

// Switching the method on the command line switches the positives' default with it, unless the
// file sets another value.
TEST(PositivesConfig, SwitchingTheMethodSwitchesTheDefault) {
  json file = {{"data", {{"cache", "c"}}},
               {"objective", {{"method", "acl"}, {"positives", "record"}}}};
  json j = file;
  experiment::apply_overrides(j, {"objective.method=clocs"});
  EXPECT_EQ(ExperimentConfig::from_json(j).objective.positives, Positives::kPatient);
  file["objective"]["positives"] = "patient";
  j = file;
  experiment::apply_overrides(j, {"objective.method=simclr"});
  EXPECT_EQ(ExperimentConfig::from_json(j).objective.positives, Positives::kPatient);
  j = file;
  experiment::apply_overrides(j, {"objective.positives=record"});
  EXPECT_EQ(ExperimentConfig::from_json(j).objective.positives, Positives::kRecord);
}

}  // namespace
}  // namespace acl::pretrain
