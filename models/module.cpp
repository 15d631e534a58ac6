#include "models/module.h"

#include <stdexcept>

namespace acl::models {

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw std::invalid_argument("Module: name '" + name + "' must be non-empty and contain no '.'");
  }
  auto taken = [&](const auto& list) {
    for (const auto& kv : list)
      if (kv.first == name) return true;
    return false;
  };
  if (taken(params_) || taken(buffers_) || taken(children_)) {
    throw std::invalid_argument("Module: name '" + name + "' is already registered");
  }
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name);
  if (!t.defined() || !t.is_leaf() || !t.requires_grad()) {
    throw std::invalid_argument("Module: parameter '" + name +
                                "' must be a defined leaf tensor with requires_grad");
  }
  params_.emplace_back(name, t);
  return t;
}

void Module::to(Device device) {
  for (auto* list : {&params_, &buffers_}) {
    for (auto& [name, t] : *list) {
      if (t.device() == device) continue;
      TensorImpl& impl = t.impl();
      impl.storage = t.to(device).impl().storage;
      impl.device = device;
      impl.grad.reset();
    }
  }
  for (auto& [name, child] : children_) child->to(device);
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name);
  if (!t.defined()) throw std::invalid_argument("Module: buffer '" + name + "' is undefined");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::unique_ptr<Module> m) {
  check_new_name(name);
  if (!m) throw std::invalid_argument("Module: child '" + name + "' is null");
  m->train(training_);
  children_.emplace_back(name, m.get());
  owned_.push_back(std::move(m));
}

void Module::collect(const std::string& prefix, bool params, bool buffers,
                     NamedTensors& out) const {
  if (params)
    for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  if (buffers)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", params, buffers, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, false, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, true, out);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& kv : named_parameters()) out.push_back(kv.second);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& kv : named_parameters()) n += kv.second.numel();
  return n;
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (const auto& [n, c] : children_) {
    for (const auto& [sub, m] : c->named_modules())
      out.emplace_back(sub.empty() ? n : n + "." + sub, m);
  }
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& kv : children_) kv.second->train(on);
}

void Module::zero_grad() {
  for (auto& kv : named_parameters()) kv.second.zero_grad();
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (Layer* l : layers_) h = l->forward(h);
  return h;
}

std::vector<ParamGroup> decay_param_groups(const Module& module) {
  ParamGroup decay{{}, false}, no_decay{{}, true};
  for (const auto& kv : module.named_parameters())
    (kv.second.rank() >= 2 ? decay : no_decay).params.push_back(kv.second);
  std::vector<ParamGroup> groups;
  if (!decay.params.empty()) groups.push_back(std::move(decay));
  if (!no_decay.params.empty()) groups.push_back(std::move(no_decay));
  return groups;
}

}  // namespace acl::models
