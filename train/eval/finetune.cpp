#include "train/eval/finetune.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/optim/adamw.h"
#include "models/fold_batchnorm.h"
#include "models/layers.h"
#include "train/metrics/metrics.h"
#include "train/pretrain/batch_loader.h"

namespace acl::eval {

namespace {

// Probabilities (records.size(), k) of encoder + head in eval mode: sigmoids or the softmax.
std::vector<float> predict(models::Encoder& encoder, models::Linear& head,
                           const cache::CacheReader& cache, const std::vector<int64_t>& records,
                           int64_t crop, int64_t batch, Device device, bool softmax,
                           bool fold_batchnorm) {
  NoGradGuard no_grad;
  encoder.eval();
  head.eval();
  std::unique_ptr<models::FoldedEncoder> folded;
  if (fold_batchnorm) folded = models::fold_batchnorm(encoder);
  models::Encoder& forward = folded ? *folded : encoder;
  std::vector<float> out;
  out.reserve(records.size() * static_cast<size_t>(head.out_features()));
  const int64_t n = static_cast<int64_t>(records.size());
  for (int64_t first = 0; first < n; first += batch) {
    const int64_t last = std::min(n, first + batch);
    const Tensor logits =
        head.forward(forward.forward(read_inputs(cache, records, first, last, crop, device)));
    const std::vector<float> z = logits.to(Device::CPU).to_vector<float>();
    if (!softmax) {
      for (float v : z) out.push_back(1.0f / (1.0f + std::exp(-v)));
      continue;
    }
    const int64_t k = head.out_features();
    for (size_t i = 0; i < z.size(); i += static_cast<size_t>(k)) {
      const float mx = *std::max_element(z.begin() + i, z.begin() + i + k);
      double s = 0;
      for (int64_t c = 0; c < k; ++c) s += std::exp(static_cast<double>(z[i + c] - mx));
      for (int64_t c = 0; c < k; ++c)
        out.push_back(static_cast<float>(std::exp(static_cast<double>(z[i + c] - mx)) / s));
    }
  }
  return out;
}

std::vector<std::vector<float>> snapshot(const models::Module& m) {
  std::vector<std::vector<float>> s;
  for (const auto& kv : m.state_dict()) {
    const Tensor t = kv.second.to(Device::CPU);
    s.push_back(t.dtype() == DType::f32 ? t.to_vector<float>()
                                        : t.to(DType::f32).to_vector<float>());
  }
  return s;
}

void restore(const models::Module& m, const std::vector<std::vector<float>>& s) {
  const auto named = m.state_dict();
  for (size_t i = 0; i < named.size(); ++i) {
    Tensor dst = named[i].second;
    Tensor src = Tensor::from_vector(s[i], dst.shape());
    if (dst.dtype() != DType::f32) src = src.to(dst.dtype());
    dst.copy_from(src);
  }
}

}  // namespace

FinetuneResult finetune(models::Encoder& encoder, const EvalDataset& data,
                        const std::vector<int64_t>& rows_in, const FinetuneConfig& config,
                        double encoder_lr, int64_t crop, int64_t eval_batch, uint64_t seed,
                        Device device, bool softmax, bool fold_batchnorm,
                        const std::function<void(const std::string&)>& log) {
  const int k = data.k;
  std::vector<int64_t> rows = rows_in;
  if (rows.empty()) {
    rows.resize(static_cast<size_t>(data.train.size()));
    std::iota(rows.begin(), rows.end(), 0);
  }
  Rng rng(seed, /*stream=*/0x66696e65ull);  // "fine"
  models::Linear head(static_cast<int>(encoder.embedding_dim()), k, true, rng);
  head.to(device);
  encoder.to(device);
  AdamWOptions eo;
  eo.lr = encoder_lr > 0 ? encoder_lr : config.lr;
  eo.weight_decay = config.weight_decay;
  AdamWOptions ho = eo;
  ho.lr = config.lr;
  AdamW head_opt(models::decay_param_groups(head), ho);
  std::unique_ptr<AdamW> enc_opt;
  if (encoder_lr > 0) enc_opt = std::make_unique<AdamW>(models::decay_param_groups(encoder), eo);

  FinetuneResult out;
  double best = -1;
  int since_best = 0;
  std::vector<std::vector<float>> best_enc = snapshot(encoder), best_head = snapshot(head);
  const int64_t n = static_cast<int64_t>(rows.size());
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    encoder.train(encoder_lr > 0);
    head.train();
    const std::vector<int64_t> perm = pretrain::epoch_permutation(n, seed, epoch - 1);
    double loss_sum = 0;
    int64_t batches = 0;
    const auto epoch_start = std::chrono::steady_clock::now();
    auto last_report = epoch_start;
    for (int64_t first = 0; first + 2 <= n; first += config.batch_size) {
      const int64_t last = std::min(n, first + config.batch_size);
      std::vector<int64_t> records;
      std::vector<float> targets;
      std::vector<int32_t> classes;
      for (int64_t i = first; i < last; ++i) {
        const int64_t r = rows[static_cast<size_t>(perm[static_cast<size_t>(i)])];
        records.push_back(data.train.records[static_cast<size_t>(r)]);
        for (int c = 0; c < k; ++c) {
          targets.push_back(data.train.labels[r * k + c]);
          if (data.train.labels[r * k + c]) classes.push_back(c);
        }
      }
      Tensor x = read_inputs(*data.cache, records, 0, last - first, crop, device);
      Tensor y = softmax ? Tensor::from_vector(classes, Shape{last - first})
                         : Tensor::from_vector(targets, Shape{last - first, k});
      if (device != Device::CPU) y = y.to(device);
      Tensor emb;
      if (encoder_lr > 0) {
        emb = encoder.forward(x);
      } else {
        NoGradGuard frozen;
        emb = encoder.forward(x);
      }
      Tensor logits = head.forward(emb);
      Tensor loss = softmax ? cross_entropy(logits, y) : bce_with_logits(logits, y);
      head_opt.zero_grad();
      if (enc_opt) enc_opt->zero_grad();
      loss.backward();
      head_opt.step();
      if (enc_opt) enc_opt->step();
      loss_sum += loss.item();
      ++batches;
      // A progress line every 30 s within long epochs.
      const auto now = std::chrono::steady_clock::now();
      if (log && std::chrono::duration<double>(now - last_report).count() >= 30.0 && last < n) {
        last_report = now;
        const double s = std::chrono::duration<double>(now - epoch_start).count();
        char line[200];
        std::snprintf(line, sizeof line,
                      "  epoch %d/%d: %lld/%lld records, train loss %.4f, %.0f records/s, epoch "
                      "ETA %.0f s",
                      epoch, config.epochs, static_cast<long long>(last), static_cast<long long>(n),
                      loss_sum / batches, last / s, (n - last) * s / last);
        log(line);
      }
    }
    const std::vector<float> val = predict(encoder, head, *data.cache, data.val.records, crop,
                                           eval_batch, device, softmax, fold_batchnorm);
    const double auroc =
        metrics::classification_metrics(val, data.val.labels, data.val.size(), k).macro_auroc;
    out.val_auroc.push_back(auroc);
    if (log) {
      char line[160];
      std::snprintf(line, sizeof line, "epoch %d/%d: train loss %.4f, val macro AUROC %.4f", epoch,
                    config.epochs, batches ? loss_sum / batches : 0.0, auroc);
      log(line);
    }
    if (auroc > best) {
      best = auroc;
      out.best_epoch = epoch;
      since_best = 0;
      best_enc = snapshot(encoder);
      best_head = snapshot(head);
    } else if (++since_best >= config.patience) {
      break;
    }
  }
  restore(encoder, best_enc);
  restore(head, best_head);
  out.test_scores = predict(encoder, head, *data.cache, data.test.records, crop, eval_batch, device,
                            softmax, fold_batchnorm);
  return out;
}

}  // namespace acl::eval
