// The contrastive-loss cases acl_bench times (kernels/contrastive.h): their shapes, FLOP, byte and
// memory counts, and their inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::bench {

// contrastive_shapes() is kept equal to CONTRASTIVE_SHAPES in tools/bench_torch.py. M = kViews x
// N records x R regions rows of d dimensions, ordered as the trainer's ids
// (train/pretrain/objective.cpp): row (view * N + record) * R + region has ids (record, region,
// view). global_*: the projection head's loss (R = 1) at batch N; region_*: the four default
// anatomical regions; large_*: an extreme (not a configured batch). Each row has one positive
// (its other view), so every row is an anchor and anchors = M.
struct ContrastiveShape {
  const char* tag;
  int N, R, d;
};

const std::vector<ContrastiveShape>& contrastive_shapes();

constexpr int kViews = 2;
constexpr double kTau = 0.1;                 // objective.tau's default
constexpr int kContrastiveCheckRows = 4096;  // largest M checked against the CPU twin in full

enum class LossPass { forward, backward, forward_backward };
constexpr LossPass kLossPasses[] = {LossPass::forward, LossPass::backward,
                                    LossPass::forward_backward};
// "contrastive_fwd", "contrastive_bwd", "contrastive_fwd_bwd"
const char* loss_kernel(LossPass p);

int contrastive_rows(const ContrastiveShape& c);  // M

// "M4096 d128 N512 R4 V2 tau0.1" (bench_torch.py writes the same text).
std::string contrastive_dims(const ContrastiveShape& c);

// FLOPs counted: forward 2 M^2 d (the similarity matrix Z Z^T); backward 4 M^2 d (Z Z^T formed
// again, then the coefficient matrix times Z); fwd_bwd the sum, 6 M^2 d. The exp, the masks and
// the O(M d) normalisation are not counted.
double contrastive_flops(const ContrastiveShape& c, LossPass p);

// Minimum traffic: zhat (or z) and ids read once; forward writes the four row statistics,
// backward reads two of them and writes the gradient, fwd_bwd does both plus the normalisation's
// zhat and norms (written and read back once each).
double contrastive_bytes(const ContrastiveShape& c, LossPass p);

// What the call writes beyond its inputs (the kernels allocate nothing else): forward the four
// row statistics and three scalars; backward the gradient; fwd_bwd zhat, the norms, the
// statistics, grad_loss, grad_zhat and grad_z. A naive implementation holds at least the M x M
// similarity matrix (4 M^2 bytes in f32) on top.
double contrastive_mem_bytes(const ContrastiveShape& c, LossPass p);
// "writes 0.0156 MiB (row statistics, 16 B per row); an M x M f32 matrix is 1 MiB"
std::string contrastive_memory_note(const ContrastiveShape& c, LossPass p);

// Inputs of N records: per (record, region) a standard-normal base vector, per view that vector
// plus 0.7 x its own standard normal, so a row's positive is closer than its negatives. Drawn
// record by record, so the inputs of N' < N records are exactly the rows of records < N' of the
// N-record inputs.
struct ContrastiveInputs {
  int M = 0, d = 0;
  std::vector<float> z;      // (M, d) raw
  std::vector<float> zhat;   // (M, d) rows of z over their L2 norm (computed in double)
  std::vector<int32_t> ids;  // (M, 3) record, region, view
};

ContrastiveInputs contrastive_inputs(const ContrastiveShape& c, int N);

}  // namespace acl::bench
