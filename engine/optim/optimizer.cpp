#include "engine/optim/optimizer.h"

#include <cerrno>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "engine/autograd.h"

namespace acl {
namespace {

std::string param_key(size_t i) {
  return "param." + std::to_string(i) + ".";
}

// Parses "param.<i>.<rest>" -> (i, rest); false when the name has another form.
bool parse_param_name(const std::string& name, size_t* index, std::string* rest) {
  const std::string prefix = "param.";
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return false;
  std::string digits = name.substr(prefix.size(), dot - prefix.size());
  if (digits.size() > 1 && digits[0] == '0') return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  errno = 0;
  unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
  if (errno != 0) return false;
  *index = static_cast<size_t>(v);
  *rest = name.substr(dot + 1);
  return true;
}

}  // namespace

Optimizer::Optimizer(std::string kind, std::vector<ParamGroup> groups, double lr,
                     std::vector<std::string> buffer_names)
    : kind_(std::move(kind)),
      groups_(std::move(groups)),
      buffer_names_(std::move(buffer_names)),
      lr_(lr) {
  std::set<const TensorImpl*> seen;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    for (const Tensor& p : groups_[gi].params) {
      size_t i = params_.size();
      if (!p.defined() || !p.requires_grad() || !p.is_leaf()) {
        throw std::invalid_argument(kind_ + ": parameter " + std::to_string(i) + " (group " +
                                    std::to_string(gi) + ") is not a leaf tensor requiring grad");
      }
      if (!seen.insert(p.impl_ptr().get()).second) {
        throw std::invalid_argument(kind_ + ": parameter " + std::to_string(i) + " (" + p.str() +
                                    ") appears twice");
      }
      params_.push_back(p);
      excluded_.push_back(groups_[gi].exclude_from_decay_and_adaptation);
    }
  }
  buffers_.assign(params_.size(), std::vector<Tensor>(buffer_names_.size()));
  param_steps_.assign(params_.size(), 0);
  set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  if (!(lr >= 0))
    throw std::invalid_argument(kind_ + ": lr must be >= 0, got " + std::to_string(lr));
  lr_ = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    Tensor p = params_[i].detach();
    bool first = param_steps_[i] == 0;
    if (first) {
      for (Tensor& b : buffers_[i]) b = Tensor::zeros(p.shape(), p.dtype(), p.device());
    }
    ++param_steps_[i];
    update(i, p, grad, first);
  }
  ++step_;
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Tensor Optimizer::buffer(size_t i, const std::string& name) const {
  for (size_t b = 0; b < buffer_names_.size(); ++b)
    if (buffer_names_[b] == name) return buffers_.at(i)[b];
  throw std::invalid_argument(kind_ + ": no buffer named '" + name + "'");
}

OptimizerState Optimizer::state() const {
  OptimizerState s;
  s.kind = kind_;
  s.step = step_;
  for (size_t i = 0; i < params_.size(); ++i) {
    s.counters[param_key(i) + "step"] = param_steps_[i];
    for (size_t b = 0; b < buffer_names_.size(); ++b) {
      if (buffers_[i][b].defined())
        s.tensors.emplace_back(param_key(i) + buffer_names_[b], buffers_[i][b].to(Device::CPU));
    }
  }
  return s;
}

void Optimizer::load_state(const OptimizerState& s) {
  std::vector<std::string> problems;
  if (s.kind != kind_) problems.push_back("kind is '" + s.kind + "', expected '" + kind_ + "'");
  std::vector<uint64_t> steps(params_.size(), 0);
  std::vector<bool> have_step(params_.size(), false);
  for (const auto& [name, value] : s.counters) {
    size_t i;
    std::string rest;
    if (!parse_param_name(name, &i, &rest) || rest != "step" || i >= params_.size()) {
      problems.push_back("unexpected counter '" + name + "'");
      continue;
    }
    steps[i] = value;
    have_step[i] = true;
  }
  std::vector<std::vector<Tensor>> buffers(params_.size(),
                                           std::vector<Tensor>(buffer_names_.size()));
  for (const auto& [name, t] : s.tensors) {
    size_t i, b = 0;
    std::string rest;
    if (!parse_param_name(name, &i, &rest) || i >= params_.size()) {
      problems.push_back("unexpected tensor '" + name + "'");
      continue;
    }
    while (b < buffer_names_.size() && buffer_names_[b] != rest) ++b;
    if (b == buffer_names_.size()) {
      problems.push_back("unexpected tensor '" + name + "'");
      continue;
    }
    if (!t.defined() || t.shape() != params_[i].shape() || t.dtype() != params_[i].dtype()) {
      problems.push_back("tensor '" + name + "' is " + t.str() + ", parameter " +
                         std::to_string(i) + " is " + params_[i].str());
      continue;
    }
    if (buffers[i][b].defined()) {
      problems.push_back("tensor '" + name + "' given twice");
      continue;
    }
    buffers[i][b] = t;
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!have_step[i]) {
      problems.push_back("missing counter '" + param_key(i) + "step'");
      continue;
    }
    for (size_t b = 0; b < buffer_names_.size(); ++b) {
      if (steps[i] > 0 && !buffers[i][b].defined())
        problems.push_back("missing tensor '" + param_key(i) + buffer_names_[b] + "' (" +
                           param_key(i) + "step = " + std::to_string(steps[i]) + ")");
      if (steps[i] == 0 && buffers[i][b].defined())
        problems.push_back("tensor '" + param_key(i) + buffer_names_[b] + "' given but " +
                           param_key(i) + "step = 0");
    }
  }
  if (!problems.empty()) {
    std::string msg = kind_ + "::load_state: " + std::to_string(problems.size()) +
                      " problem(s) with the saved optimizer state:";
    for (const std::string& p : problems) msg += "\n  " + p;
    throw std::invalid_argument(msg);
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    param_steps_[i] = steps[i];
    for (size_t b = 0; b < buffer_names_.size(); ++b) {
      const Tensor& src = buffers[i][b];
      if (!src.defined()) {
        buffers_[i][b] = Tensor();
        continue;
      }
      Tensor dst = Tensor::empty(src.shape(), src.dtype(), params_[i].device());
      dst.copy_from(src);
      buffers_[i][b] = dst;
    }
  }
  step_ = s.step;
}

}  // namespace acl
