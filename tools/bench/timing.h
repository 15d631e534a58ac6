// Timing: the median of repeated runs after a warm-up, on the CPU with a steady clock and on the
// GPU with CUDA events on the compute stream, each repetition after an L2 flush.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#ifdef ACL_HAVE_CUDA
#include "engine/tensor.h"
#endif

namespace acl::bench {

// The median of `v` (the mean of the two middle values for an even count); NaN when empty.
double median(std::vector<double> v);

// Median milliseconds of `reps` calls of `launch` after `warmup` untimed ones (steady clock, no
// cache flush).
double cpu_median_ms(const std::function<void()>& launch, int warmup, int reps);

#ifdef ACL_HAVE_CUDA
class CudaTimer {
 public:
  // The flush buffer: twice the L2 size, at least 64 MiB.
  explicit CudaTimer(size_t l2_bytes);

  // Median milliseconds of `reps` launches on the compute stream after `warmup` untimed ones,
  // each timed launch preceded by an L2 flush (a memset of the flush buffer, outside the timed
  // region) and timed with CUDA events.
  double median_ms(const std::function<void()>& launch, int warmup, int reps);

 private:
  Tensor flush_;
};
#endif

}  // namespace acl::bench
