// Batched ECG augmentation on the CPU (see kernels/augment.h):
//   out (batch, n_leads, out_length) = view `view` of records (batch, n_leads, src_length), written
// For each record the parameters come from augment_draw_params, then every view sample runs
// augment_time_sample over all leads: the same functions as the CUDA kernel, so both backends
// compute the same floats from the same Philox draws. Work is in float; the parameter draw in
// double. Records run in parallel on the CPU pool.
#include "kernels/augment.h"

#include <string>
#include <type_traits>

#include "kernels/cpu/parallel.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels {

template <typename T>
void augment_view_cpu(T* out, const T* records, const int32_t* record_index,
                      const int32_t* rpeak_offsets, const int32_t* rpeak_positions, int64_t batch,
                      int64_t n_leads, int64_t src_length, int64_t out_length, int view,
                      int64_t epoch, uint64_t seed, const AugmentSpec& spec) {
  static_assert(std::is_same<T, float>::value, "augment_view_cpu works in float");
  const char* op = "augment_view_cpu";
  augment_check_args(op, batch, n_leads, src_length, out_length, view, epoch, spec);
  for (int64_t b = 0; b < batch; ++b) {
    if (record_index[b] < 0) {
      fail(op, "record_index[" + std::to_string(b) + "] = " + std::to_string(record_index[b]) +
                   " is negative");
    }
  }
  // Records in parallel: each writes its own output rows, so the result is the same at any
  // thread count.
  cpu::parallel_for(batch, 2, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      const AugmentKey key = {seed, static_cast<uint32_t>(epoch),
                              static_cast<uint32_t>(record_index[b]), static_cast<uint32_t>(view)};
      const AugmentParams p = augment_draw_params(spec, key, n_leads, src_length, out_length);
      const float* rec = records + b * n_leads * src_length;
      const int32_t* peaks = rpeak_positions + rpeak_offsets[b];
      const int64_t n_peaks = rpeak_offsets[b + 1] - rpeak_offsets[b];
      float* o = out + b * n_leads * out_length;
      for (int64_t t = 0; t < out_length; ++t) {
        augment_time_sample(spec, p, key, rec, n_leads, src_length, peaks, n_peaks, out_length, t,
                            o);
      }
    }
  });
}

template void augment_view_cpu<float>(float*, const float*, const int32_t*, const int32_t*,
                                      const int32_t*, int64_t, int64_t, int64_t, int64_t, int,
                                      int64_t, uint64_t, const AugmentSpec&);

}  // namespace acl::kernels
