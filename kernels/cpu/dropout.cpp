#include "kernels/dropout.h"

#include "kernels/runtime/philox.h"

namespace acl::kernels {

template <typename T>
void dropout_cpu(T* out, const T* x, int64_t n, float p, uint64_t seed, uint64_t stream,
                 uint64_t offset) {
  const T keep_scale = static_cast<T>(1.0 / (1.0 - static_cast<double>(p)));
  for (int64_t i = 0; i < n; ++i) {
    float u = philox_uniform_at(seed, stream, offset + static_cast<uint64_t>(i));
    out[i] = u > p ? x[i] * keep_scale : T(0);
  }
}

template void dropout_cpu<float>(float*, const float*, int64_t, float, uint64_t, uint64_t,
                                 uint64_t);
template void dropout_cpu<double>(double*, const double*, int64_t, float, uint64_t, uint64_t,
                                  uint64_t);

}  // namespace acl::kernels
