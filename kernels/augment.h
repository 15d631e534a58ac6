// Batched ECG augmentation (train/augment/augment.h): view `view` of every record of a batch.
//   records      (batch, n_leads, src_length)  f32
//   record_index (batch)                       i32, each record's index in the dataset (>= 0)
//   rpeak_offsets (batch + 1), rpeak_positions (rpeak_offsets[batch])  i32, CSR: record b's
//                R-peaks, ascending sample positions in [0, src_length), are
//                rpeak_positions[rpeak_offsets[b] .. rpeak_offsets[b + 1])
//   out          (batch, n_leads, out_length)  f32, written (=)
// Per (record, view) the parameters are drawn by augment_draw_params (kernels/augment_params.h,
// which documents the Philox keying); each output sample is then augment_time_sample: window
// (segment and/or scale crop) resampled by linear interpolation -> cycle mask -> time shift ->
// amplitude -> VCG -> baseline wander -> Gaussian noise -> lead dropout. Only T = float is
// instantiated. The CSR R-peaks are trusted (the caller validates them); the other arguments are
// checked and errors thrown as std::invalid_argument("augment_view_cpu: ...").
#pragma once

#include <cstdint>

#include "kernels/augment_params.h"
#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void augment_view_cpu(T* out, const T* records, const int32_t* record_index,
                      const int32_t* rpeak_offsets, const int32_t* rpeak_positions, int64_t batch,
                      int64_t n_leads, int64_t src_length, int64_t out_length, int view,
                      int64_t epoch, uint64_t seed, const AugmentSpec& spec);

// CUDA twin (kernels/cuda/augment.cu): the same contract, asynchronous on `stream`; pointers are
// device pointers. The same draws and the same float operations as augment_view_cpu; only the
// sinf of baseline wander and the Box-Muller of the noise may differ by an ulp.
void augment_view_cuda(float* out, const float* records, const int32_t* record_index,
                       const int32_t* rpeak_offsets, const int32_t* rpeak_positions, int64_t batch,
                       int64_t n_leads, int64_t src_length, int64_t out_length, int view,
                       int64_t epoch, uint64_t seed, const AugmentSpec& spec, GpuStream stream);

}  // namespace acl::kernels
