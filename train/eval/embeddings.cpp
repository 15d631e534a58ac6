#include "train/eval/embeddings.h"

#include <algorithm>
#include <memory>

#include "engine/autograd.h"
#include "models/fold_batchnorm.h"
#include "train/eval/eval_data.h"

namespace acl::eval {

std::vector<float> compute_embeddings(models::Encoder& encoder, const cache::CacheReader& cache,
                                      const std::vector<int64_t>& records, int64_t crop,
                                      int64_t batch_size, Device device, bool fold_batchnorm,
                                      const std::function<void(int64_t, int64_t)>& progress) {
  NoGradGuard no_grad;
  encoder.eval();
  std::unique_ptr<models::FoldedEncoder> folded;
  if (fold_batchnorm) folded = models::fold_batchnorm(encoder);
  models::Encoder& forward = folded ? *folded : encoder;
  const int64_t n = static_cast<int64_t>(records.size()), d = encoder.embedding_dim();
  std::vector<float> out(static_cast<size_t>(n * d));
  for (int64_t first = 0; first < n; first += batch_size) {
    const int64_t last = std::min(n, first + batch_size);
    const Tensor e = forward.forward(read_inputs(cache, records, first, last, crop, device));
    const std::vector<float> v = e.to(Device::CPU).to_vector<float>();
    std::copy(v.begin(), v.end(), out.begin() + first * d);
    if (progress) progress(last, n);
  }
  return out;
}

}  // namespace acl::eval
