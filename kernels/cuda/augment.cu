// Batched ECG augmentation on CUDA (see kernels/augment.h):
//   out (batch, n_leads, out_length) = view `view` of records (batch, n_leads, src_length), written
// Two launches on `stream`:
//   1. augment_params_kernel: one thread per record draws its AugmentParams (augment_draw_params,
//      in double) into a scratch buffer from the caching allocator;
//   2. augment_view_kernel: one thread per (record, view sample), grid-stride, runs
//      augment_time_sample over all leads (the VCG transform needs every lead of a time sample).
//      Consecutive threads read neighbouring source samples and write neighbouring outputs of each
//      lead, so loads and stores coalesce.
// The per-sample code is the CPU kernel's (kernels/augment_params.h), with explicit fmaf /
// __fmul_rn / __fadd_rn so nvcc's contraction cannot change a rounding: the output equals the
// CPU's bit for bit except for baseline wander (sinf) and noise (double log/cos/sin), which may
// differ by an ulp. record_index values must be >= 0 (the caller checks).
#include "kernels/augment.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kParamsBlock = 64;
constexpr int kViewBlock = 128;

static __global__ void augment_params_kernel(AugmentParams* params, const int32_t* record_index,
                                             int64_t batch, int64_t n_leads, int64_t src_length,
                                             int64_t out_length, uint32_t view, uint32_t epoch,
                                             uint64_t seed, AugmentSpec spec) {
  const int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (b >= batch) return;
  const AugmentKey key = {seed, epoch, static_cast<uint32_t>(record_index[b]), view};
  params[b] = augment_draw_params(spec, key, n_leads, src_length, out_length);
}

static __global__ void augment_view_kernel(float* out, const float* records,
                                           const AugmentParams* params, const int32_t* record_index,
                                           const int32_t* rpeak_offsets,
                                           const int32_t* rpeak_positions, int64_t batch,
                                           int64_t n_leads, int64_t src_length, int64_t out_length,
                                           uint32_t view, uint32_t epoch, uint64_t seed,
                                           AugmentSpec spec) {
  const int64_t total = batch * out_length;
  for (int64_t i = grid_start(); i < total; i += grid_step()) {
    const int64_t b = i / out_length, t = i % out_length;
    const AugmentKey key = {seed, epoch, static_cast<uint32_t>(record_index[b]), view};
    const int32_t first = rpeak_offsets[b];
    const int64_t n_peaks = rpeak_offsets[b + 1] - first;
    augment_time_sample(spec, params[b], key, records + b * n_leads * src_length, n_leads,
                        src_length, rpeak_positions + first, n_peaks, out_length, t,
                        out + b * n_leads * out_length);
  }
}

}  // namespace

void augment_view_cuda(float* out, const float* records, const int32_t* record_index,
                       const int32_t* rpeak_offsets, const int32_t* rpeak_positions, int64_t batch,
                       int64_t n_leads, int64_t src_length, int64_t out_length, int view,
                       int64_t epoch, uint64_t seed, const AugmentSpec& spec, cudaStream_t stream) {
  const char* op = "augment_view_cuda";
  augment_check_args(op, batch, n_leads, src_length, out_length, view, epoch, spec);
  check_ptr(op, "out", out, batch * n_leads * out_length);
  check_ptr(op, "records", records, batch * n_leads * src_length);
  check_ptr(op, "record_index", record_index, batch);
  check_ptr(op, "rpeak_offsets", rpeak_offsets, batch + 1);
  if (batch == 0) return;
  DeviceScratch<AugmentParams> params(batch, stream);  // freed once the launches are queued
  const uint32_t v = static_cast<uint32_t>(view), e = static_cast<uint32_t>(epoch);
  augment_params_kernel<<<grid_for(batch, kParamsBlock), kParamsBlock, 0, stream>>>(
      params.get(), record_index, batch, n_leads, src_length, out_length, v, e, seed, spec);
  CUDA_CHECK(cudaGetLastError());
  augment_view_kernel<<<grid_for(batch * out_length, kViewBlock), kViewBlock, 0, stream>>>(
      out, records, params.get(), record_index, rpeak_offsets, rpeak_positions, batch, n_leads,
      src_length, out_length, v, e, seed, spec);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
