// A small learnable problem and a two-layer conv net for it: the end-to-end check of the engine
// (autograd through conv, pooling, linear and cross-entropy, trained with plain SGD).
//
// Problem: one-channel sequences of length L holding a noisy sine; class 0 has 1.5-3 cycles,
// class 1 has 6-9 cycles, random phase and amplitude. Deterministic from (seed, batch index).
// Net: conv1d(1->C, k=7, pad 3) - ReLU - conv1d(C->C, k=5, pad 2, stride 2) - ReLU -
//      global average pool - linear(C->2).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"

namespace acl::models {

struct ToyBatch {
  Tensor x;       // (B, 1, L) f32
  Tensor labels;  // (B) i32 in {0, 1}
};

ToyBatch make_toy_batch(int batch, int length, uint64_t seed, uint64_t batch_index);

class ToyConvNet {
 public:
  ToyConvNet(int channels, Rng& rng);
  Tensor forward(const Tensor& x) const;  // (B, 1, L) -> logits (B, 2)
  std::vector<Tensor> parameters() const;

 private:
  Tensor w1_, b1_, w2_, b2_, w3_, b3_;
};

struct ToyTrainResult {
  std::vector<double> losses;  // one per step
  double final_accuracy = 0;   // on a fresh held-out batch
};

// Trains ToyConvNet with plain SGD; calls `on_step(step, loss)` after every step when given.
ToyTrainResult train_toy_convnet(int steps, int batch, double lr, uint64_t seed,
                                 void (*on_step)(int, double) = nullptr);

}  // namespace acl::models
