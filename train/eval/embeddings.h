// Embeddings of a list of records through a frozen encoder: eval mode (BatchNorm running
// statistics), no autograd, batches of data.batch_size records on the encoder's device; each
// record's input is the whole record or its centred crop (eval_data.h). With fold_batchnorm the
// forward runs the encoder's folded inference form (models/fold_batchnorm.h: each conv + BN pair
// one conv); the encoder's parameters and buffers are not changed either way.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "models/encoder.h"
#include "train/cache/cache_reader.h"

namespace acl::eval {

// (records.size(), encoder.embedding_dim()) row-major. `progress(done, total)` after each batch.
// The encoder is left in eval mode.
std::vector<float> compute_embeddings(models::Encoder& encoder, const cache::CacheReader& cache,
                                      const std::vector<int64_t>& records, int64_t crop,
                                      int64_t batch_size, Device device, bool fold_batchnorm,
                                      const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace acl::eval
