#include "models/leadwise.h"

#include "engine/ops.h"

namespace acl::models {

LeadwiseBlock::LeadwiseBlock(int in_channels, int out_channels, int kernel_size, int groups,
                             int pool_size, const BatchNormOptions& bn, Rng& rng)
    : pool_size_(pool_size) {
  Conv1dOptions opt;
  opt.padding = kernel_size / 2;
  opt.groups = groups;
  conv_ = register_module(
      "conv", std::make_unique<Conv1d>(in_channels, out_channels, kernel_size, opt, false, rng));
  bn_ = register_module("bn", std::make_unique<BatchNorm1d>(out_channels, bn));
}

Tensor LeadwiseBlock::forward(const Tensor& x) {
  return max_pool1d(bn_->forward_relu(conv_->forward(x)), pool_size_, pool_size_);
}

LeadwiseEncoder::LeadwiseEncoder(const EncoderConfig& config, Rng& rng) : Encoder(config) {
  const LeadwiseConfig& c = this->config().leadwise;
  BatchNormOptions bn;
  bn.momentum = config.bn_momentum;
  bn.eps = config.bn_eps;
  const int n = c.shared_weights ? 1 : num_leads();
  blocks_ = register_module("blocks", std::make_unique<Sequential>());
  int prev = 1;
  for (int width : c.channels) {
    blocks_->append(std::make_unique<LeadwiseBlock>(n * prev, n * width, c.kernel_size, n,
                                                    c.pool_size, bn, rng));
    prev = width;
  }
}

int64_t LeadwiseEncoder::min_length() const {
  int64_t len = 1;
  for (size_t i = 0; i < config().leadwise.channels.size(); ++i) len *= config().leadwise.pool_size;
  return len;
}

EncoderOutput LeadwiseEncoder::encode(const Tensor& x) {
  Tensor h = select_input_leads(x, "LeadwiseEncoder");
  const int64_t B = h.size(0), N = h.size(1), L = h.size(2), F = lead_embedding_dim();
  if (config().leadwise.shared_weights) h = h.reshape(Shape{B * N, 1, L});
  h = global_avg_pool1d(blocks_->forward(h));  // (B, N * F) or (B * N, F), lead-major
  EncoderOutput out;
  out.lead_embeddings = h.reshape(Shape{B, N, F});
  out.embedding = h.reshape(Shape{B, N * F});
  return out;
}

}  // namespace acl::models
