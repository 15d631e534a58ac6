// Module: a node of a model tree owning named parameters, named buffers and named child modules,
// with PyTorch's naming and ordering, so a state dict written here loads into the matching
// torch.nn.Module with load_state_dict(strict=True) and back.
//
// Names are hierarchical, joined by '.': a parameter "weight" of child "conv1" of child "0" of
// child "layer1" is "layer1.0.conv1.weight". Enumeration order is PyTorch's: a module's own
// parameters (or buffers) in registration order, then each child's, depth first, in registration
// order. state_dict() is, per module, its parameters then its buffers, then the children's
// (torch.nn.Module.state_dict order).
//
// Registered tensors are handles that alias the subclass's members: loading a checkpoint or an
// optimizer step writes them in place, so a subclass must never reassign a registered tensor.
// Parameters are leaf tensors with requires_grad; buffers are state that is not differentiated
// (BatchNorm running_mean / running_var, and num_batches_tracked, which is an i32 rank-0 tensor
// here: the checkpoint writer stores it as PyTorch's I64 and reads I64 back into i32).
//
// train(bool) sets the mode of the module and of every descendant; modules are created in training
// mode, as in PyTorch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/optim/optimizer.h"
#include "engine/tensor.h"

namespace acl::models {

// The same type as acl::NamedTensors (engine/io/checkpoint.h), so state dicts pass straight to
// save_state_dict / load_state_dict.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  NamedTensors state_dict() const;         // parameters and buffers, PyTorch order
  std::vector<Tensor> parameters() const;  // named_parameters() without the names
  int64_t num_parameters() const;          // total elements of all parameters

  // Every descendant with its hierarchical name ("" for this module), pre-order.
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  const std::vector<std::pair<std::string, Module*>>& children() const { return children_; }

  // Moves every parameter and buffer (this module's and its descendants') to `device` in place:
  // the handles the layers hold see the new storage. Gradients are dropped. Create optimizers after
  // the move (they hold the same handles, so the order only matters for optimizer state buffers).
  void to(Device device);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Drops the gradient of every parameter.
  void zero_grad();

 protected:
  // Each returns its argument; names are non-empty, contain no '.', and are unique across the
  // module's parameters, buffers and children (std::invalid_argument otherwise).
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <typename M>
  M* register_module(const std::string& name, std::unique_ptr<M> m) {
    M* raw = m.get();
    add_child(name, std::unique_ptr<Module>(std::move(m)));
    return raw;
  }

 private:
  void check_new_name(const std::string& name) const;
  void add_child(const std::string& name, std::unique_ptr<Module> m);
  void collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const;

  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::unique_ptr<Module>> owned_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

// A module with one input and one output.
class Layer : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
};

// Layers named "0", "1", ... applied in order (torch.nn.Sequential).
class Sequential : public Layer {
 public:
  template <typename L>
  L* append(std::unique_ptr<L> layer) {
    L* raw = layer.get();
    layers_.push_back(raw);
    register_module(std::to_string(layers_.size() - 1), std::move(layer));
    return raw;
  }
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  Layer* at(size_t i) const { return layers_.at(i); }

 private:
  std::vector<Layer*> layers_;
};

// Optimizer groups for `module`: parameters of rank >= 2 (conv and linear weights) get weight
// decay; rank <= 1 parameters (biases, BatchNorm gamma/beta) go to a group excluded from decay and
// LARS adaptation, as SimCLR does. Empty groups are omitted.
std::vector<ParamGroup> decay_param_groups(const Module& module);

}  // namespace acl::models
