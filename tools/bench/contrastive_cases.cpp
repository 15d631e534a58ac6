#include "tools/bench/contrastive_cases.h"

#include <cmath>
#include <cstdio>

#include "engine/rng.h"

namespace acl::bench {

const std::vector<ContrastiveShape>& contrastive_shapes() {
  static const std::vector<ContrastiveShape> shapes = {
      {"global_b256", 256, 1, 128},      // M 512
      {"global_b512", 512, 1, 128},      // M 1024
      {"region_b256", 256, 4, 128},      // M 2048: the region loss at the configs' batch 256
      {"region_b512", 512, 4, 128},      // M 4096
      {"region_b512_d64", 512, 4, 64},   // M 4096, d 64
      {"region_b2048", 2048, 4, 128},    // M 16384
      {"large_b8192_r4", 8192, 4, 128},  // M 65536
  };
  return shapes;
}

const char* loss_kernel(LossPass p) {
  return p == LossPass::forward    ? "contrastive_fwd"
         : p == LossPass::backward ? "contrastive_bwd"
                                   : "contrastive_fwd_bwd";
}

int contrastive_rows(const ContrastiveShape& c) {
  return kViews * c.N * c.R;
}

std::string contrastive_dims(const ContrastiveShape& c) {
  char s[96];
  std::snprintf(s, sizeof(s), "M%d d%d N%d R%d V%d tau%g", contrastive_rows(c), c.d, c.N, c.R,
                kViews, kTau);
  return s;
}

double contrastive_flops(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), base = 2.0 * m * m * c.d;
  return p == LossPass::forward ? base : p == LossPass::backward ? 2.0 * base : 3.0 * base;
}

double contrastive_bytes(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), md = m * c.d;
  const double fwd = 4.0 * (md + 3 * m + 4 * m), bwd = 4.0 * (md + 3 * m + 2 * m + md);
  return p == LossPass::forward    ? fwd
         : p == LossPass::backward ? bwd
                                   : fwd + bwd + 4.0 * (2 * md + 2 * m + md);
}

double contrastive_mem_bytes(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), md = m * c.d;
  const double stats = 16.0 * m + 12.0;
  return p == LossPass::forward    ? stats
         : p == LossPass::backward ? 4.0 * md
                                   : 4.0 * md + 4.0 * m + stats + 4.0 + 8.0 * md;
}

std::string contrastive_memory_note(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c);
  char s[160];
  std::snprintf(s, sizeof(s), "writes %.4g MiB (%s); an M x M f32 matrix is %.4g MiB",
                contrastive_mem_bytes(c, p) / (1024.0 * 1024.0),
                p == LossPass::forward    ? "row statistics, 16 B per row"
                : p == LossPass::backward ? "grad_zhat"
                                          : "zhat, norms, statistics, two gradients",
                4.0 * m * m / (1024.0 * 1024.0));
  return s;
}

ContrastiveInputs contrastive_inputs(const ContrastiveShape& c, int N) {
  ContrastiveInputs in;
  in.M = kViews * N * c.R;
  in.d = c.d;
  const size_t d = static_cast<size_t>(c.d);
  in.z.resize(static_cast<size_t>(in.M) * d);
  in.zhat.resize(in.z.size());
  in.ids.resize(static_cast<size_t>(in.M) * 3);
  acl::Rng rng(20, 0);
  std::vector<float> base(d), noise(d);
  for (int b = 0; b < N; ++b) {
    for (int r = 0; r < c.R; ++r) {
      rng.fill_normal(base.data(), c.d, 0.0f, 1.0f);
      for (int v = 0; v < kViews; ++v) {
        rng.fill_normal(noise.data(), c.d, 0.0f, 1.0f);
        const size_t row = static_cast<size_t>((v * N + b) * c.R + r);
        double n2 = 0;
        for (size_t k = 0; k < d; ++k) {
          const float x = base[k] + 0.7f * noise[k];
          in.z[row * d + k] = x;
          n2 += static_cast<double>(x) * x;
        }
        const double inv = 1.0 / std::sqrt(n2);
        for (size_t k = 0; k < d; ++k) {
          in.zhat[row * d + k] = static_cast<float>(in.z[row * d + k] * inv);
        }
        in.ids[row * 3 + 0] = b;
        in.ids[row * 3 + 1] = r;
        in.ids[row * 3 + 2] = v;
      }
    }
  }
  return in;
}

}  // namespace acl::bench
