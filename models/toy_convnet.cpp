#include "models/toy_convnet.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/init.h"
#include "engine/ops.h"
#include "engine/optim/sgd.h"

namespace acl::models {

ToyBatch make_toy_batch(int batch, int length, uint64_t seed, uint64_t batch_index) {
  Rng rng(seed, 1000 + batch_index);
  std::vector<float> x(static_cast<size_t>(batch) * length);
  std::vector<int32_t> y(static_cast<size_t>(batch));
  for (int b = 0; b < batch; ++b) {
    int label = rng.uniform() < 0.5 ? 0 : 1;
    double cycles = label == 0 ? 1.5 + 1.5 * rng.uniform() : 6.0 + 3.0 * rng.uniform();
    double phase = 2 * M_PI * rng.uniform(), amp = 0.5 + rng.uniform();
    for (int t = 0; t < length; ++t) {
      x[static_cast<size_t>(b) * length + t] = static_cast<float>(
          amp * std::sin(2 * M_PI * cycles * t / length + phase) + 0.2 * rng.normal());
    }
    y[b] = label;
  }
  return {Tensor::from_vector(x, Shape{batch, 1, length}), Tensor::from_vector(y, Shape{batch})};
}

ToyConvNet::ToyConvNet(int c, Rng& rng)
    : w1_(init_uniform_fan_in(Shape{c, 1, 7}, 7, rng)),
      b1_(init_uniform_fan_in(Shape{c}, 7, rng)),
      w2_(init_uniform_fan_in(Shape{c, c, 5}, 5 * c, rng)),
      b2_(init_uniform_fan_in(Shape{c}, 5 * c, rng)),
      w3_(init_uniform_fan_in(Shape{2, c}, c, rng)),
      b3_(init_uniform_fan_in(Shape{2}, c, rng)) {}

Tensor ToyConvNet::forward(const Tensor& x) const {
  Tensor h = relu(conv1d(x, w1_, b1_, {1, 3, 1, 1}));
  h = relu(conv1d(h, w2_, b2_, {2, 2, 1, 1}));
  return linear(global_avg_pool1d(h), w3_, b3_);
}

std::vector<Tensor> ToyConvNet::parameters() const {
  return {w1_, b1_, w2_, b2_, w3_, b3_};
}

ToyTrainResult train_toy_convnet(int steps, int batch, double lr, uint64_t seed,
                                 void (*on_step)(int, double)) {
  constexpr int kLength = 64;
  Rng init_rng(seed, 0);
  ToyConvNet net(8, init_rng);
  Sgd opt(net.parameters(), SgdOptions{lr, 0.0, false, 0.0});
  ToyTrainResult result;
  for (int step = 0; step < steps; ++step) {
    ToyBatch b = make_toy_batch(batch, kLength, seed, static_cast<uint64_t>(step));
    Tensor loss = cross_entropy(net.forward(b.x), b.labels);
    opt.zero_grad();
    loss.backward();
    opt.step();
    result.losses.push_back(loss.item());
    if (on_step) on_step(step, result.losses.back());
  }
  NoGradGuard no_grad;
  ToyBatch held_out = make_toy_batch(256, kLength, seed + 1, 0);
  std::vector<float> logits = net.forward(held_out.x).to_vector<float>();
  std::vector<int32_t> y = held_out.labels.to_vector<int32_t>();
  int correct = 0;
  for (size_t i = 0; i < y.size(); ++i)
    correct += (logits[2 * i + 1] > logits[2 * i]) == (y[i] == 1);
  result.final_accuracy = static_cast<double>(correct) / static_cast<double>(y.size());
  return result;
}

}  // namespace acl::models
