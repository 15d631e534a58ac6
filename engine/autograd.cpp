#include "engine/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/ops.h"

namespace acl {
namespace {
thread_local bool g_grad_enabled = true;
thread_local std::function<void(const Tensor&)> g_grad_ready_hook;

bool is_grad_leaf(const Tensor& t) {
  return t.defined() && t.requires_grad() && !t.impl().grad_fn;
}

// Reverse topological order of the nodes reachable from `root` (root first), iterative DFS.
std::vector<Node*> reverse_topological(Node* root) {
  std::vector<Node*> post;
  std::unordered_set<Node*> seen{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      if (!in.defined()) continue;
      Node* child = in.impl().grad_fn.get();
      if (child && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      post.push_back(node);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

void accumulate(std::unordered_map<Node*, Tensor>& pending, Node* key, const Tensor& g) {
  auto it = pending.find(key);
  if (it == pending.end()) {
    pending.emplace(key, g);
  } else {
    Tensor sum = it->second.clone();  // never add in place into a tensor a backward fn returned
    add_(sum, g);
    it->second = sum;
  }
}

void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
  if (!leaf.grad) {
    leaf.grad = g.clone().impl_ptr();
  } else {
    Tensor acc(leaf.grad);
    add_(acc, g);
  }
}

}  // namespace

bool grad_enabled() {
  return g_grad_enabled;
}

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) {
  g_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_enabled = previous_;
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void attach_node(Tensor& out, std::string op, std::vector<Tensor> inputs,
                 std::function<std::vector<Tensor>(const Tensor&)> backward) {
  auto node = std::make_shared<Node>();
  node->op = std::move(op);
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl().grad_fn = std::move(node);
}

void run_backward(const Tensor& root, const Tensor& grad_root) {
  NoGradGuard no_grad;
  Node* root_node = root.impl().grad_fn.get();
  if (!root_node) {  // a leaf: its gradient is the seed
    accumulate_leaf(root.impl(), grad_root);
    return;
  }
  std::unordered_map<Node*, Tensor> pending{{root_node, grad_root}};
  const std::vector<Node*> order = reverse_topological(root_node);
  // With a gradient-ready hook: the edges still to deliver into each leaf.
  std::unordered_map<TensorImpl*, int> edges_left;
  if (g_grad_ready_hook) {
    for (Node* node : order)
      for (const Tensor& in : node->inputs)
        if (is_grad_leaf(in)) ++edges_left[&in.impl()];
  }
  auto delivered = [&](Node* node) {
    if (edges_left.empty()) return;
    for (const Tensor& in : node->inputs)
      if (is_grad_leaf(in) && --edges_left[&in.impl()] == 0) g_grad_ready_hook(in);
  };
  for (Node* node : order) {
    auto it = pending.find(node);
    if (it == pending.end()) {  // nothing flowed into this branch
      delivered(node);
      continue;
    }
    Tensor g = it->second;
    pending.erase(it);
    std::vector<Tensor> grads = node->backward(g);
    if (grads.size() != node->inputs.size()) {
      throw std::logic_error("backward of '" + node->op + "' returned " +
                             std::to_string(grads.size()) + " gradients for " +
                             std::to_string(node->inputs.size()) + " inputs");
    }
    for (size_t i = 0; i < grads.size(); ++i) {
      const Tensor& in = node->inputs[i];
      if (!grads[i].defined() || !in.defined() || !in.requires_grad()) continue;
      if (grads[i].shape() != in.shape()) {
        throw std::logic_error("backward of '" + node->op + "': gradient " + grads[i].str() +
                               " for input " + std::to_string(i) + " " + in.str());
      }
      if (Node* child = in.impl().grad_fn.get()) {
        accumulate(pending, child, grads[i]);
      } else {
        accumulate_leaf(in.impl(), grads[i]);
      }
    }
    delivered(node);
  }
}

GradReadyHook::GradReadyHook(std::function<void(const Tensor&)> hook)
    : previous_(std::move(g_grad_ready_hook)) {
  g_grad_ready_hook = std::move(hook);
}
GradReadyHook::~GradReadyHook() {
  g_grad_ready_hook = std::move(previous_);
}

}  // namespace acl
