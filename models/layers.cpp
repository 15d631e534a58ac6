#include "models/layers.h"

#include <stdexcept>
#include <string>

#include "engine/init.h"
#include "engine/kernel_route.h"
#include "kernels/counter.h"

namespace acl::models {

namespace {
void check_positive(const char* layer, const char* what, int64_t v) {
  if (v <= 0) {
    throw std::invalid_argument(std::string(layer) + ": " + what + " must be positive, got " +
                                std::to_string(v));
  }
}
}  // namespace

Conv1d::Conv1d(int in_channels, int out_channels, int kernel_size, const Conv1dOptions& options,
               bool bias, Rng& rng)
    : options_(options) {
  check_positive("Conv1d", "in_channels", in_channels);
  check_positive("Conv1d", "out_channels", out_channels);
  check_positive("Conv1d", "kernel_size", kernel_size);
  check_positive("Conv1d", "groups", options.groups);
  if (in_channels % options.groups != 0 || out_channels % options.groups != 0) {
    throw std::invalid_argument("Conv1d: groups = " + std::to_string(options.groups) +
                                " must divide in_channels = " + std::to_string(in_channels) +
                                " and out_channels = " + std::to_string(out_channels));
  }
  const int64_t cin_g = in_channels / options.groups, fan_in = cin_g * kernel_size;
  weight_ = register_parameter(
      "weight", init_uniform_fan_in(Shape{out_channels, cin_g, kernel_size}, fan_in, rng));
  if (bias)
    bias_ = register_parameter("bias", init_uniform_fan_in(Shape{out_channels}, fan_in, rng));
}

Tensor Conv1d::forward(const Tensor& x) {
  return conv1d(x, weight_, bias_, options_);
}

Linear::Linear(int in_features, int out_features, bool bias, Rng& rng) {
  check_positive("Linear", "in_features", in_features);
  check_positive("Linear", "out_features", out_features);
  weight_ = register_parameter(
      "weight", init_uniform_fan_in(Shape{out_features, in_features}, in_features, rng));
  if (bias) {
    bias_ = register_parameter("bias", init_uniform_fan_in(Shape{out_features}, in_features, rng));
  }
}

Tensor Linear::forward(const Tensor& x) {
  return linear(x, weight_, bias_);
}

BatchNorm1d::BatchNorm1d(int num_features, const BatchNormOptions& options) : options_(options) {
  check_positive("BatchNorm1d", "num_features", num_features);
  if (!(options.eps > 0) || !(options.momentum >= 0 && options.momentum <= 1)) {
    throw std::invalid_argument("BatchNorm1d: eps must be > 0 and momentum in [0, 1], got eps = " +
                                std::to_string(options.eps) +
                                ", momentum = " + std::to_string(options.momentum));
  }
  const Shape c{num_features};
  if (options.affine) {
    weight_ = register_parameter("weight", Tensor::ones(c).set_requires_grad(true));
    bias_ = register_parameter("bias", Tensor::zeros(c).set_requires_grad(true));
  }
  if (options.track_running_stats) {
    running_mean_ = register_buffer("running_mean", Tensor::zeros(c));
    running_var_ = register_buffer("running_var", Tensor::ones(c));
    num_batches_tracked_ =
        register_buffer("num_batches_tracked", Tensor::zeros(Shape{}, DType::i32));
  }
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  return apply(x, false);
}

Tensor BatchNorm1d::forward_relu(const Tensor& x) {
  return apply(x, true);
}

Tensor BatchNorm1d::apply(const Tensor& x, bool relu) {
  // Batch statistics in training mode, and always without running statistics. The op updates the
  // running statistics it is given in training mode and normalises with them in eval mode.
  const bool batch_stats = is_training() || !options_.track_running_stats;
  auto* op = relu ? batchnorm1d_relu : batchnorm1d;
  Tensor out = op(x, weight_, bias_, running_mean_, running_var_, batch_stats, options_.momentum,
                  options_.eps);
  if (is_training() && options_.track_running_stats) {
    // Counted where the buffer lives: on CUDA a kernel queued on the compute stream (no host wait).
    int32_t* tracked = num_batches_tracked_.data<int32_t>();
    route_kernel(
        "BatchNorm1d", out, [&](auto) { kernels::add_counter_cpu(tracked, 1); },
        [&](auto stream) { kernels::add_counter_cuda(tracked, 1, stream); });
  }
  return out;
}

}  // namespace acl::models
