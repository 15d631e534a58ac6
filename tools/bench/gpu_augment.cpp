// ECG augmentation on the GPU: one view of augment_view (kernels/augment.h; make_view calls the
// kernel once per view) for a batch of 10 s 12-lead records at 100 Hz, cut to the 250-sample views
// of the configs, checked against augment_view_cpu on the same inputs. acl_set: scale crop, cycle
// mask and time shift (the ACL-ECG set); full: every augmentation of train/augment/augment.h.
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "kernels/augment.h"
#include "kernels/augment_params.h"
#include "kernels/runtime/stream.h"
#include "tools/bench/gpu_cases.h"

namespace acl::bench {
namespace {

struct AugmentShape {
  const char* tag;
  int B, C, L, Lout;
  bool full;
};

const AugmentShape kAugmentShapes[] = {
    {"acl_set_b256", 256, 12, 1000, 250, false},
    {"full_b256", 256, 12, 1000, 250, true},
};

// The AugmentSpec that to_kernel_spec (train/augment/augment_spec.h) builds from AugmentConfig's
// defaults with n_views 2, fs 100 Hz; `full` enables the off-by-default steps with their default
// settings. Written out here because acl_bench links the engine only.
acl::kernels::AugmentSpec augment_spec(bool full, int Lout) {
  acl::kernels::AugmentSpec s;
  s.n_views = 2;
  s.scale_crop = true;
  s.crop_s_min = 0.5;
  s.crop_s_max = 1.0;
  s.cycle_mask = true;
  s.mask_p = 0.2f;
  s.time_shift = true;
  s.shift_max = static_cast<int32_t>(std::lround(0.1 * Lout));
  s.fs = 100.0;
  if (full) {
    s.amplitude = true;
    s.amplitude_min = 0.8;
    s.amplitude_max = 1.2;
    s.vcg = true;
    s.vcg_max_angle_deg = 45.0;
    s.vcg_s_min = 0.8;
    s.vcg_s_max = 1.2;
    s.wander = true;
    s.wander_amplitude = 0.1;
    s.wander_f_max = 0.5;
    s.noise = true;
    s.noise_sigma = 0.05f;
    s.lead_dropout = true;
    s.dropout_p = 0.1f;
  }
  return s;
}

constexpr int kAugmentView = 0;
constexpr int64_t kAugmentEpoch = 5;
constexpr uint64_t kAugmentSeed = 1234;
// The same float operations on both devices; sinf (baseline wander) and the Box-Muller of the
// noise may differ by an ulp (kernels/augment.h), as in tests/test_augment_parity.cpp.
constexpr double kAugmentTol = 1e-5;

struct AugmentHost {
  std::vector<float> records;                      // (B, C, L) standard normal
  std::vector<int32_t> index, offsets, positions;  // (B), (B + 1), CSR R-peaks
};

// R-peaks of a regular rhythm per record: an R-R interval of 60-110 samples (55-100 bpm at
// 100 Hz), the first beat within the first interval.
AugmentHost augment_host(const AugmentShape& a) {
  AugmentHost h;
  acl::Rng rng(21, 0);
  h.records.resize(static_cast<size_t>(a.B) * a.C * a.L);
  rng.fill_normal(h.records.data(), static_cast<int64_t>(h.records.size()), 0.0f, 1.0f);
  h.offsets.push_back(0);
  for (int b = 0; b < a.B; ++b) {
    h.index.push_back(1000 + b);
    const int rr = 60 + static_cast<int>(rng.uniform() * 50.0);
    for (int p = static_cast<int>(rng.uniform() * (rr - 1)); p < a.L; p += rr) {
      h.positions.push_back(p);
    }
    h.offsets.push_back(static_cast<int32_t>(h.positions.size()));
  }
  return h;
}

// Minimum traffic: each record's source window (drawn by augment_draw_params, as the kernel
// does) read once over every lead, the view written once.
double augment_bytes(const AugmentShape& a, const AugmentHost& h,
                     const acl::kernels::AugmentSpec& spec) {
  double window = 0;
  for (int b = 0; b < a.B; ++b) {
    const acl::kernels::AugmentKey key{kAugmentSeed, static_cast<uint32_t>(kAugmentEpoch),
                                       static_cast<uint32_t>(h.index[static_cast<size_t>(b)]),
                                       static_cast<uint32_t>(kAugmentView)};
    window += acl::kernels::augment_draw_params(spec, key, a.C, a.L, a.Lout).win_len;
  }
  return 4.0 * (a.C * window + static_cast<double>(a.B) * a.C * a.Lout);
}

Case augment_case(const AugmentShape& a) {
  Case k;
  k.kernel = "augment_view";
  k.shape = a.tag;
  char dims[96];
  std::snprintf(dims, sizeof(dims), "B%d C%d L%d Lout%d %s", a.B, a.C, a.L, a.Lout,
                a.full ? "full" : "crop+mask+shift");
  k.dims = dims;
  const AugmentHost h = augment_host(a);
  const acl::kernels::AugmentSpec spec = augment_spec(a.full, a.Lout);
  k.flops = kNaN;  // not a FLOP-bound kernel: no TFLOP/s
  k.bytes = augment_bytes(a, h, spec);
  k.tol = kAugmentTol;
  k.prepare = [a, h, spec]() {
    struct T {
      Tensor records, index, offsets, positions, out;
    };
    auto t = std::make_shared<T>();
    t->records = Tensor::from_vector(h.records, Shape{a.B, a.C, a.L}).to(Device::CUDA);
    t->index = Tensor::from_vector(h.index, Shape{a.B}).to(Device::CUDA);
    t->offsets = Tensor::from_vector(h.offsets, Shape{a.B + 1}).to(Device::CUDA);
    t->positions = Tensor::from_vector(h.positions, Shape{static_cast<int64_t>(h.positions.size())})
                       .to(Device::CUDA);
    t->out = Tensor::empty(Shape{a.B, a.C, a.Lout}, DType::f32, Device::CUDA);
    auto launch = [t, a, spec]() {
      acl::kernels::augment_view_cuda(
          t->out.data<float>(), t->records.data<float>(), t->index.data<int32_t>(),
          t->offsets.data<int32_t>(), t->positions.data<int32_t>(), a.B, a.C, a.L, a.Lout,
          kAugmentView, kAugmentEpoch, kAugmentSeed, spec, acl::compute_stream());
    };
    nan_fill(t->out);
    launch();
    std::vector<float> ref(static_cast<size_t>(a.B) * a.C * a.Lout);
    acl::kernels::augment_view_cpu<float>(ref.data(), h.records.data(), h.index.data(),
                                          h.offsets.data(), h.positions.data(), a.B, a.C, a.L,
                                          a.Lout, kAugmentView, kAugmentEpoch, kAugmentSeed, spec);
    const std::vector<float> got = t->out.to_vector<float>();
    Prepared p;
    p.error = rel_error(got, ref);
    // Discrete decisions (cycle mask, shift, lead dropout) must agree exactly.
    size_t zeros = 0;
    for (size_t i = 0; i < ref.size(); ++i) zeros += (got[i] == 0.0f) != (ref[i] == 0.0f);
    if (zeros > 0) {
      p.error = std::numeric_limits<double>::infinity();
      p.note = std::to_string(zeros) + " samples are zero on one device only";
    } else {
      p.note = "one view; checked in full";
    }
    p.launch = launch;
    return p;
  };
  return k;
}

}  // namespace

void add_augment_cases(std::vector<Case>& cases) {
  for (const AugmentShape& a : kAugmentShapes) cases.push_back(augment_case(a));
}

}  // namespace acl::bench
