// Locating non-finite values in a training step, for the messages of train.on_nonfinite, and the
// check that keeps them out of checkpoints. These read tensors back to the host: they run after a
// step has gone wrong, and once per checkpoint, never on every step.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "train/cache/cache_reader.h"
#include "train/pretrain/batch_loader.h"

namespace acl::pretrain {

using NamedTensorList = std::vector<std::pair<std::string, Tensor>>;

// The flat index of the first NaN or infinite element of `t`; -1 when every element is finite.
int64_t first_nonfinite(const Tensor& t);

// "NaN", "+inf" or "-inf" for a non-finite `v`.
std::string describe_nonfinite(double v);

// "17 'syn_00017', 3 'syn_00003', ..." : the first 8 records with their names.
std::string records_named(const std::vector<int64_t>& index, const cache::CacheReader& cache);

// "first non-finite tensor: batch, NaN in record R 'NAME' lead L sample S"; "" when the batch
// is finite.
std::string locate_nonfinite_batch(const Batch& batch, const cache::CacheReader& cache);

// Where a non-finite loss came from: "batch: record R 'NAME' lead L sample S" for the batch, else
// "activation NAME (element E)" for the first of `activations` (forward order) holding one, else
// "" (every input of the loss is finite).
std::string locate_nonfinite_forward(const Batch& batch, const cache::CacheReader& cache,
                                     const NamedTensorList& activations);

// Which parameters have a non-finite gradient: "gradient of NAME (and K more: ...)".
std::string locate_nonfinite_grads(const NamedTensorList& params);

// Throws std::runtime_error "<what>: <kind> NAME holds a non-finite value (V at element E)" for
// the first tensor of `state` (parameters and buffers) holding a NaN or an infinity.
void check_finite_state(const NamedTensorList& state, const std::string& what);

}  // namespace acl::pretrain
