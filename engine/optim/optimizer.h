// Optimizer base: parameter groups, the learning rate, zero_grad, and the per-parameter state that
// a checkpoint needs to resume bit for bit.
//
// Parameters are leaf tensors with requires_grad, given in groups. A group marked
// `exclude_from_decay_and_adaptation` (BatchNorm gamma/beta and biases, as SimCLR does) gets no
// weight decay in any optimizer and, in LARS, no trust-ratio adaptation. Parameters are numbered
// 0..num_params()-1 in group order; that index names their state.
//
// step() updates, in the parameter's dtype, every parameter whose grad is defined (the others keep
// their value and state, as in PyTorch) and counts the call in steps(). Updates run under
// NoGradGuard and write parameters in place, so views of them (the model's tensors) see the change.
//
// State: each parameter has a step counter (how many updates it received) and the buffers its
// optimizer keeps (`buffer_names()`, e.g. "exp_avg", "exp_avg_sq"), created at its first update.
// state() exports copies on the CPU named "param.<i>.<buffer>" plus the counters; load_state()
// validates and restores them, after which step() continues exactly as the saved run would have.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace acl {

struct ParamGroup {
  std::vector<Tensor> params;
  // No weight decay and (LARS) no layer adaptation: BatchNorm parameters and biases.
  bool exclude_from_decay_and_adaptation = false;
};

// Everything an optimizer needs to resume, detached from the live tensors.
struct OptimizerState {
  std::string kind;   // "sgd", "adamw", "lars": load_state refuses another optimizer's state
  uint64_t step = 0;  // step() calls made
  // "param.<i>.<buffer>" -> CPU copy of the buffer (only buffers that exist).
  std::vector<std::pair<std::string, Tensor>> tensors;
  // "param.<i>.step" -> updates parameter i received; one entry per parameter.
  std::map<std::string, uint64_t> counters;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter whose grad is defined; increments steps().
  virtual void step();
  // Drops every parameter's gradient (PyTorch's set_to_none=True).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);

  const std::string& kind() const { return kind_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  size_t num_params() const { return params_.size(); }
  const Tensor& param(size_t i) const { return params_.at(i); }
  bool excluded(size_t i) const { return excluded_.at(i); }
  uint64_t steps() const { return step_; }
  const std::vector<std::string>& buffer_names() const { return buffer_names_; }
  // Buffer `name` of parameter i (undefined before its first update).
  Tensor buffer(size_t i, const std::string& name) const;

  // Copies of the state on the CPU.
  OptimizerState state() const;
  // Restores a state exported by an optimizer of the same kind over parameters of the same shapes
  // and dtypes. Throws std::invalid_argument listing every problem (wrong kind, unknown or missing
  // names, shape/dtype mismatches) and changes nothing in that case.
  void load_state(const OptimizerState& state);

 protected:
  Optimizer(std::string kind, std::vector<ParamGroup> groups, double lr,
            std::vector<std::string> buffer_names);

  // Updates parameter i (detached view `p`) with gradient `g`; buffers(i) are already allocated
  // (zeros) and param_step(i) already counts this update (1 on the first).
  virtual void update(size_t i, Tensor& p, const Tensor& g, bool first_update) = 0;

  std::vector<Tensor>& buffers(size_t i) { return buffers_[i]; }
  uint64_t param_step(size_t i) const { return param_steps_[i]; }

 private:
  std::string kind_;
  std::vector<ParamGroup> groups_;
  std::vector<Tensor> params_;  // flattened groups
  std::vector<bool> excluded_;
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<Tensor>> buffers_;  // [param][buffer], undefined before first update
  std::vector<uint64_t> param_steps_;
  uint64_t step_ = 0;
  double lr_;
};

// One group of parameters with weight decay and adaptation.
inline std::vector<ParamGroup> single_group(std::vector<Tensor> params) {
  return {ParamGroup{std::move(params), false}};
}

}  // namespace acl
