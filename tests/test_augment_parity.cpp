// ECG augmentations (train/augment/augment.h): CPU vs CUDA parity (skipped without a GPU).
#include "tests/augment_test_util.h"

namespace acl::augment {
namespace {

// ---- CPU vs CUDA -------------------------------------------------------------------------------

struct ParityCase {
  std::string name;
  std::function<AugmentConfig()> config;
  int64_t out_length;
};

std::vector<ParityCase> parity_cases() {
  auto one = [](std::function<void(AugmentConfig&)> enable) {
    return [enable] {
      AugmentConfig c = none();
      enable(c);
      return c;
    };
  };
  return {
      {"resample_only", one([](AugmentConfig&) {}), 317},
      {"scale_crop", one([](AugmentConfig& c) { c.scale_crop.enabled = true; }), 250},
      {"cycle_mask", one([](AugmentConfig& c) {
         c.cycle_mask.enabled = true;
         c.cycle_mask.p = 0.5;
       }),
       1000},
      {"time_shift", one([](AugmentConfig& c) { c.time_shift.enabled = true; }), 250},
      {"segments", one([](AugmentConfig& c) {
         c.segments.enabled = true;
         c.n_views = 3;
       }),
       250},
      {"amplitude", one([](AugmentConfig& c) { c.amplitude_scale.enabled = true; }), 250},
      {"vcg", one([](AugmentConfig& c) { c.vcg.enabled = true; }), 250},
      {"baseline_wander", one([](AugmentConfig& c) { c.baseline_wander.enabled = true; }), 250},
      {"gaussian_noise", one([](AugmentConfig& c) { c.gaussian_noise.enabled = true; }), 250},
      {"lead_dropout", one([](AugmentConfig& c) {
         c.lead_dropout.enabled = true;
         c.lead_dropout.p = 0.5;
       }),
       250},
      {"acl_set", acl_set, 250},
      {"acl_set_upsampled", acl_set, 1500},
      {"full_pipeline", full_pipeline, 250},
  };
}

class AugmentCudaParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(AugmentCudaParity, MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable GPU: " << cuda_unavailable_reason();
  const ParityCase& pc = GetParam();
  const AugmentConfig c = pc.config();
  // Fresh records per case: the data seed is a hash (FNV-1a) of the case name.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char ch : pc.name) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
  const uint64_t data_seed = h & 0xffffu;
  const Batch cpu = make_batch(range(data_seed, 7), data_seed);
  const Batch gpu = cpu.to(Device::CUDA);
  for (int view = 0; view < c.n_views; ++view) {
    const ViewRun run = {view, 5, 1000 + data_seed};
    const Tensor ref = make_view(cpu.records, cpu.rpeaks, cpu.index, run.view, run.epoch, run.seed,
                                 c, pc.out_length);
    const Tensor got = make_view(gpu.records, gpu.rpeaks, gpu.index, run.view, run.epoch, run.seed,
                                 c, pc.out_length);
    ASSERT_EQ(got.device(), Device::CUDA);
    EXPECT_TRUE(testing::tensors_close(pc.name + " view " + std::to_string(view),
                                       got.to(Device::CPU), ref, 1e-5));
    // Discrete decisions (mask, shift, dropout) agree exactly: the same samples are zero.
    const std::vector<float> g = got.to_vector<float>(), r = ref.to_vector<float>();
    size_t mismatched = 0;
    for (size_t i = 0; i < r.size(); ++i) mismatched += (g[i] == 0.0f) != (r[i] == 0.0f);
    EXPECT_EQ(mismatched, 0u) << pc.name << " view " << view;
  }
}

INSTANTIATE_TEST_SUITE_P(Augmentations, AugmentCudaParity, ::testing::ValuesIn(parity_cases()),
                         [](const ::testing::TestParamInfo<ParityCase>& info) {
                           return testing::sanitize_test_name(info.param.name);
                         });

}  // namespace
}  // namespace acl::augment
