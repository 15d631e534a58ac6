#include "models/resnet1d.h"

#include "engine/ops.h"

namespace acl::models {

namespace {
Conv1dOptions conv_options(int stride, int padding) {
  Conv1dOptions o;
  o.stride = stride;
  o.padding = padding;
  return o;
}
}  // namespace

BasicBlock1d::BasicBlock1d(int in_channels, int planes, int stride, int kernel_size,
                           const BatchNormOptions& bn, Rng& rng) {
  const int pad = kernel_size / 2;
  conv1_ =
      register_module("conv1", std::make_unique<Conv1d>(in_channels, planes, kernel_size,
                                                        conv_options(stride, pad), false, rng));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm1d>(planes, bn));
  conv2_ = register_module("conv2", std::make_unique<Conv1d>(planes, planes, kernel_size,
                                                             conv_options(1, pad), false, rng));
  bn2_ = register_module("bn2", std::make_unique<BatchNorm1d>(planes, bn));
  if (stride != 1 || in_channels != planes) {
    downsample_ = register_module("downsample", std::make_unique<Sequential>());
    downsample_->append(
        std::make_unique<Conv1d>(in_channels, planes, 1, conv_options(stride, 0), false, rng));
    downsample_->append(std::make_unique<BatchNorm1d>(planes, bn));
  }
}

Tensor BasicBlock1d::forward(const Tensor& x) {
  Tensor out = bn1_->forward_relu(conv1_->forward(x));
  out = bn2_->forward(conv2_->forward(out));
  Tensor shortcut = downsample_ ? downsample_->forward(x) : x;
  return relu(add(out, shortcut));
}

ResNet1d::ResNet1d(const EncoderConfig& config, Rng& rng) : Encoder(config) {
  const ResnetConfig& c = this->config().resnet;
  BatchNormOptions bn;
  bn.momentum = config.bn_momentum;
  bn.eps = config.bn_eps;
  conv1_ = register_module(
      "conv1",
      std::make_unique<Conv1d>(num_leads(), c.stem_width, c.stem_kernel_size,
                               conv_options(c.stem_stride, c.stem_kernel_size / 2), false, rng));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm1d>(c.stem_width, bn));
  int in = c.stem_width;
  for (size_t s = 0; s < c.blocks.size(); ++s) {
    Sequential* layer =
        register_module("layer" + std::to_string(s + 1), std::make_unique<Sequential>());
    for (int b = 0; b < c.blocks[s]; ++b) {
      const int stride = (s > 0 && b == 0) ? 2 : 1;
      layer->append(
          std::make_unique<BasicBlock1d>(in, c.widths[s], stride, c.kernel_size, bn, rng));
      in = c.widths[s];
    }
    layers_.push_back(layer);
  }
}

EncoderOutput ResNet1d::encode(const Tensor& x) {
  Tensor h = select_input_leads(x, "ResNet1d");
  h = bn1_->forward_relu(conv1_->forward(h));
  if (config().resnet.stem_pool) h = max_pool1d(h, 3, 2, 1);
  for (Sequential* layer : layers_) h = layer->forward(h);
  EncoderOutput out;
  out.embedding = global_avg_pool1d(h);
  return out;
}

}  // namespace acl::models
