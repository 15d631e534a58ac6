// End to end on a small synthetic dataset: prepare -> pretrain a few steps -> linear probe,
// random init, fine-tuning and supervised training at two label fractions, the results files,
// and the leakage warnings (records, patients).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "tests/test_util.h"
#include "train/eval/embeddings.h"
#include "train/eval/encoder_source.h"
#include "train/eval/eval_data.h"
#include "train/eval/evaluate.h"
#include "train/eval/report.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/trainer.h"
#include "train/synth/generator.h"

namespace acl::eval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class EvalE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = acl::testing::temp_path("eval_e2e");
    const std::string cache = (root_ / "cache").string();
    acl::testing::prepare_synthetic_cache(cache, 300, 128, 5);  // 500 samples at 100 Hz
    json j = json::parse(R"({
      "seed": 1,
      "data": {"split": "train", "view_length": 128, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 16, "out_dim": 16},
                          "region": {"hidden_dim": 16, "out_dim": 16}}},
      "optimizer": {"name": "adamw", "lr": 0.003, "schedule": {"warmup_steps": 1}},
      "train": {"steps": 3, "batch_size": 16, "log_every": 10, "checkpoint_every": 0,
                "device": "cpu"}
    })");
    j["out_dir"] = (root_ / "run").string();
    j["data"]["cache"] = cache;
    pretrain::TrainerOptions o;
    o.progress = false;
    pretrain::train(experiment::ExperimentConfig::from_json(j, "test"), o);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static EvalConfig config(const std::string& protocol) {
    json j{{"protocol", protocol},
           {"out_dir", (root_ / "results").string()},
           {"data", {{"cache", (root_ / "cache").string()}, {"batch_size", 64}}},
           {"label_fractions", {0.2, 1.0}},
           {"label_seeds", 2},
           {"bootstrap", {{"resamples", 50}}},
           {"finetune", {{"epochs", 2}, {"batch_size", 16}}},
           {"probe", {{"l2_grid", {0.01, 1.0}}}},
           {"device", "cpu"}};
    if (protocol == "linear_probe" || protocol == "finetune") {
      j["encoder"] = {{"run", (root_ / "run").string()}};
    } else {
      j["encoder"] = {{"config",
                       {{"type", "leadwise"},
                        {"leads", "independent"},
                        {"leadwise", {{"channels", {4, 8}}, {"kernel_size", 5}}}}}};
    }
    return EvalConfig::from_json(j, "test");
  }

  static void expect_rows(const EvalResults& r) {
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].draws.size(), 2u);  // fraction 0.2: two seeds
    EXPECT_EQ(r.rows[1].draws.size(), 1u);  // 100 %: one
    EXPECT_LT(r.rows[0].draws[0].n_labelled, r.rows[1].draws[0].n_labelled);
    for (const ResultRow& row : r.rows) {
      EXPECT_TRUE(row.auroc_mean >= 0 && row.auroc_mean <= 1) << row.auroc_mean;
      EXPECT_TRUE(row.auprc_mean >= 0 && row.auprc_mean <= 1) << row.auprc_mean;
      EXPECT_EQ(row.first_scores.size(), static_cast<size_t>(r.test_n) * r.label_names.size());
    }
    EXPECT_EQ(r.input, "whole record (500 samples)");
  }

  static fs::path root_;
};
fs::path EvalE2E::root_;

TEST_F(EvalE2E, LinearProbeWritesResultsAndReplacesItsRows) {
  const EvalResults r = run_evaluation(config("linear_probe"));
  expect_rows(r);
  EXPECT_FALSE(r.encoder_file.empty());
  EXPECT_EQ(r.encoder_config_hash.size(), 16u);
  // Pretrained on "train", evaluated on "val" / "test": no overlap, of records or of patients
  // (the synthetic splits are drawn per patient).
  EXPECT_TRUE(r.leakage.checked) << r.leakage.note;
  EXPECT_EQ(r.leakage.test_overlap + r.leakage.val_overlap, 0);
  EXPECT_TRUE(r.leakage.patients_checked) << r.leakage.note;
  EXPECT_EQ(r.leakage.test_patient_overlap + r.leakage.val_patient_overlap, 0);

  const std::string dir = (root_ / "results").string();
  write_results(dir, r);
  std::vector<std::string> replaced;
  write_results(dir, r, &replaced);
  EXPECT_EQ(replaced.size(), 2u);
  std::ifstream in(fs::path(dir) / "results.json");
  const json results = json::parse(in);
  ASSERT_EQ(results["rows"].size(), 2u);
  const json& row = results["rows"][0];
  for (const char* key :
       {"method", "protocol", "label_fraction", "macro_auroc", "macro_auprc", "macro_auroc_ci",
        "seeds", "encoder_file", "encoder_config_hash", "dataset", "split", "input", "leakage"})
    EXPECT_TRUE(row.contains(key)) << key;
  EXPECT_EQ(row["seeds"], json({0, 1}));
  EXPECT_EQ(row["generator_version"], synth::kGeneratorVersion);
  const std::string md = acl::testing::read_file(fs::path(dir) / "results.md");
  EXPECT_NE(md.find("| linear_probe |"), std::string::npos);
  EXPECT_NE(md.find("Dataset: synthetic (generator v" + std::to_string(synth::kGeneratorVersion) +
                    "), test split"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "test_scores_linear_probe_linear_probe.csv"));
}

// The pretrained encoder's embeddings with conv + batch-norm folded (fold_batchnorm, the default)
// and with the modules as they are: equal up to float32 rounding, the encoder unchanged.
TEST_F(EvalE2E, FoldedBatchnormEmbeddingsMatchTheModules) {
  const EvalConfig c = config("linear_probe");
  ASSERT_TRUE(c.fold_batchnorm);
  LoadedEncoder enc = load_encoder(c);
  const EvalDataset data = open_eval_data(c.data);
  // Pretraining moved the running statistics off their initial 0 / 1.
  double mean_abs = 0;
  for (const auto& [name, t] : enc.encoder->named_buffers()) {
    if (name.find("running_mean") == std::string::npos) continue;
    for (float v : t.to_vector<float>()) mean_abs += std::fabs(v);
  }
  ASSERT_GT(mean_abs, 0.0);
  std::vector<std::vector<float>> before;
  for (const auto& kv : enc.encoder->state_dict()) before.push_back(kv.second.to_vector<float>());

  const std::vector<int64_t>& records = data.test.records;
  const int64_t n = static_cast<int64_t>(records.size()), d = enc.encoder->embedding_dim();
  const std::vector<float> folded =
      compute_embeddings(*enc.encoder, *data.cache, records, 0, 64, Device::CPU, true);
  const std::vector<float> plain =
      compute_embeddings(*enc.encoder, *data.cache, records, 0, 64, Device::CPU, false);
  // Two conv + BN layers, float32: the folded conv rounds s*W once where the modules round the
  // conv sum and then the affine map; a few ulps of the embedding scale.
  EXPECT_TRUE(acl::testing::tensors_close("embeddings", Tensor::from_vector(folded, Shape{n, d}),
                                          Tensor::from_vector(plain, Shape{n, d}), 2e-6));
  // ... and not bit for bit: the folded form did run (rounding differs somewhere in n * d values).
  EXPECT_NE(folded, plain);
  size_t i = 0;
  for (const auto& kv : enc.encoder->state_dict()) {
    EXPECT_EQ(kv.second.to_vector<float>(), before[i++]) << kv.first << " changed";
  }
}

TEST_F(EvalE2E, RandomInitUsesNoPretrainedWeights) {
  const EvalResults r = run_evaluation(config("random_init"));
  expect_rows(r);
  EXPECT_TRUE(r.encoder_file.empty());
  EXPECT_FALSE(r.leakage.checked);
}

TEST_F(EvalE2E, FinetuneAndSupervisedTrainAndAreDeterministic) {
  for (const char* protocol : {"finetune", "supervised"}) {
    EvalConfig c = config(protocol);
    const EvalResults a = run_evaluation(c);
    expect_rows(a);
    for (const ResultRow& row : a.rows)
      for (const DrawResult& d : row.draws) EXPECT_TRUE(d.best_epoch == 1 || d.best_epoch == 2);
    c.label_fractions = {0.2};
    c.label_seeds = 1;
    const EvalResults b = run_evaluation(c);
    EXPECT_EQ(a.rows[0].first_scores, b.rows[0].first_scores) << protocol;
  }
}

TEST_F(EvalE2E, LeakageIsDetectedAndRecorded) {
  EvalConfig c = config("linear_probe");
  c.data.test_split = "train";  // the pretraining records
  c.label_fractions = {1.0};
  const EvalResults r = run_evaluation(c);
  ASSERT_TRUE(r.leakage.checked);
  EXPECT_EQ(r.leakage.test_overlap, r.test_n);
  EXPECT_EQ(r.leakage.test_patient_overlap, r.test_n);
  EXPECT_FALSE(r.leakage.examples.empty());
  json results{{"rows", result_rows(r)}};
  EXPECT_EQ(results["rows"][0]["leakage"]["test_overlap"], r.test_n);
  EXPECT_EQ(results["rows"][0]["leakage"]["test_patient_overlap"], r.test_n);
  const std::string md = results_markdown(results);
  EXPECT_NE(md.find("Leakage warning"), std::string::npos);
  EXPECT_NE(md.find("Patient leakage warning"), std::string::npos);
}

// The same recordings under other names, with train and test exchanged: no record name was seen
// in pretraining, but every test record's patient was.
TEST_F(EvalE2E, PatientLeakageIsDetectedWithoutRecordOverlap) {
  const fs::path copy = root_ / "cache_renamed";
  fs::remove_all(copy);
  fs::copy(root_ / "cache", copy, fs::copy_options::recursive);
  json index;
  {
    std::ifstream in(copy / "index.json");
    in >> index;
  }
  for (auto& name : index["records"]["name"]) name = "again_" + name.get<std::string>();
  for (auto& split : index["records"]["split"]) {
    const std::string s = split.get<std::string>();
    split = s == "train" ? "test" : (s == "test" ? "train" : s);
  }
  std::ofstream(copy / "index.json") << index.dump();
  EvalConfig c = config("linear_probe");
  c.data.cache = copy.string();
  c.label_fractions = {1.0};
  const EvalResults r = run_evaluation(c);
  ASSERT_TRUE(r.leakage.checked) << r.leakage.note;
  EXPECT_EQ(r.leakage.test_overlap + r.leakage.val_overlap, 0);
  ASSERT_TRUE(r.leakage.patients_checked) << r.leakage.note;
  EXPECT_EQ(r.leakage.test_patient_overlap, r.test_n);
  EXPECT_EQ(r.leakage.val_patient_overlap, 0);
  EXPECT_NE(r.leakage.note.find("by patient"), std::string::npos) << r.leakage.note;
  const std::string md = results_markdown(json{{"rows", result_rows(r)}});
  EXPECT_EQ(md.find("**Leakage warning**"), std::string::npos);
  EXPECT_NE(md.find("Patient leakage warning"), std::string::npos);
}

// Another seed's cache has the same record names and patient keys ("synth_7", "p3") but other
// records and patients: no leakage, and the note says why.
TEST_F(EvalE2E, AnotherSyntheticDrawSharesNoRecordsDespiteItsNames) {
  const fs::path other = root_ / "cache_seed7";
  fs::remove_all(other);
  prepare::PrepareOptions o;
  o.out = other.string();
  o.progress = false;
  o.threads = 1;
  o.records_per_shard = 128;
  o.seconds = 5;
  o.seed = 7;
  prepare::prepare_synthetic(300, o);
  EvalConfig c = config("linear_probe");
  c.data.cache = other.string();
  c.data.test_split = "train";  // by name, the very records of pretraining
  c.label_fractions = {1.0};
  const EvalResults r = run_evaluation(c);
  ASSERT_TRUE(r.leakage.checked) << r.leakage.note;
  EXPECT_TRUE(r.leakage.patients_checked) << r.leakage.note;
  EXPECT_EQ(r.leakage.test_overlap + r.leakage.val_overlap, 0);
  EXPECT_EQ(r.leakage.test_patient_overlap + r.leakage.val_patient_overlap, 0);
  EXPECT_NE(
      r.leakage.note.find("generator v" + std::to_string(synth::kGeneratorVersion) + " seed 7"),
      std::string::npos)
      << r.leakage.note;
  EXPECT_NE(r.leakage.note.find("seed 0"), std::string::npos) << r.leakage.note;
}

TEST_F(EvalE2E, SingleLabelKeepsRecordsWithOneLabel) {
  for (const char* protocol : {"linear_probe", "supervised"}) {
    EvalConfig c = config(protocol);
    c.label_mode = LabelMode::kSingleLabel;
    c.label_fractions = {1.0};
    const EvalResults r = run_evaluation(c);
    const size_t k = r.label_names.size();
    ASSERT_GT(r.test_n, 0);
    for (int64_t i = 0; i < r.test_n; ++i) {
      int ones = 0;
      double sum = 0;
      for (size_t j = 0; j < k; ++j) {
        ones += r.test_labels[i * k + j];
        sum += r.rows[0].first_scores[i * k + j];
      }
      ASSERT_EQ(ones, 1);
      ASSERT_NEAR(sum, 1.0, 1e-4);  // softmax probabilities
    }
    EXPECT_EQ(result_rows(r)[0]["label_mode"], "single_label");
  }
}

TEST_F(EvalE2E, ARunWithoutAnEncoderIsNamed) {
  EvalConfig c = config("linear_probe");
  c.encoder_run = (root_ / "cache").string();  // a directory, but no pretraining run
  const std::string e = acl::testing::error_of<std::runtime_error>([&] { run_evaluation(c); });
  EXPECT_NE(e.find("encoder.safetensors: no encoder here"), std::string::npos) << e;
}

TEST_F(EvalE2E, ACropLongerThanTheRecordsIsNamed) {
  EvalConfig c = config("random_init");
  c.data.crop = 600;
  const std::string e = acl::testing::error_of([&] { run_evaluation(c); });
  EXPECT_NE(e.find("data.crop = 600"), std::string::npos) << e;
}

}  // namespace
}  // namespace acl::eval
