// Fine-tuning (encoder + linear head trained end to end on the labelled records) and supervised
// training (the same from a random encoder): mini-batch AdamW on the mean BCE with logits
// (multi-label) or the softmax cross-entropy (single-label, one-hot labels), the
// encoder at lr * encoder_lr_scale (supervised: lr), BatchNorm and biases without weight decay.
// After each epoch the validation macro AUROC is measured (eval mode); the best epoch's weights
// are kept and restored at the end; training stops after `patience` epochs without improvement.
// With fold_batchnorm the validation and test predictions run the encoder's folded inference form
// (models/fold_batchnorm.h), folded afresh from the current weights each time.
// Record order: a Philox permutation per epoch keyed by (seed, epoch); a last batch of fewer than
// two records is skipped (BatchNorm needs two).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "train/eval/eval_config.h"
#include "train/eval/eval_data.h"

namespace acl::eval {

struct FinetuneResult {
  std::vector<float> test_scores;  // (test.size(), k) probabilities of the best epoch
  std::vector<double> val_auroc;   // per epoch run
  int best_epoch = 0;              // 1-based
};

// Trains `encoder` (modified in place) with a new head on train.records[rows] (all when empty).
FinetuneResult finetune(models::Encoder& encoder, const EvalDataset& data,
                        const std::vector<int64_t>& rows, const FinetuneConfig& config,
                        double encoder_lr, int64_t crop, int64_t eval_batch, uint64_t seed,
                        Device device, bool softmax = false, bool fold_batchnorm = true,
                        const std::function<void(const std::string&)>& log = {});

}  // namespace acl::eval
