// The whole-ECG 1-D ResNet (DESIGN §4): all selected leads are input channels. torchvision's
// ResNet with BasicBlocks, in 1-D and with configurable depth, widths and kernels; the default
// config (EncoderConfig::resnet1d18) is resnet1d18:
//
//   conv1 (leads -> 64, k 15, stride 2, padding 7, no bias) - bn1 - ReLU - max_pool1d(3, 2, 1)
//   layer1..layer4: [2, 2, 2, 2] BasicBlocks of widths 64-128-256-512, kernel 7 (padding 3); the
//     first block of layers 2-4 has stride 2; a block whose stride is not 1 or whose width changes
//     has the shortcut downsample = (1x1 conv with that stride, no bias) - BN
//   global average pool -> (B, 512); no classifier (probes add their own head)
//
// Names follow torchvision: conv1.weight, bn1.*, layer1.0.conv1.weight, layer1.0.bn1.*,
// layer1.0.conv2.weight, layer1.0.bn2.*, layer2.0.downsample.0.weight, layer2.0.downsample.1.*.
#pragma once

#include "models/encoder.h"
#include "models/layers.h"

namespace acl::models {

// out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = downsample or identity.
class BasicBlock1d : public Layer {
 public:
  BasicBlock1d(int in_channels, int planes, int stride, int kernel_size, const BatchNormOptions& bn,
               Rng& rng);
  Tensor forward(const Tensor& x) override;

 private:
  Conv1d *conv1_, *conv2_;
  BatchNorm1d *bn1_, *bn2_;
  Sequential* downsample_ = nullptr;
};

class ResNet1d : public Encoder {
 public:
  ResNet1d(const EncoderConfig& config, Rng& rng);
  EncoderOutput encode(const Tensor& x) override;  // lead_embeddings undefined

  int64_t embedding_dim() const override { return config().resnet.widths.back(); }
  int64_t min_length() const override { return 1; }

 private:
  Conv1d* conv1_;
  BatchNorm1d* bn1_;
  std::vector<Sequential*> layers_;
};

}  // namespace acl::models
