// Define-by-run reverse-mode autograd.
//
// Each differentiable op that sees an input requiring grad (while grad mode is on) attaches a Node
// to its output: the inputs to differentiate and a backward function mapping the output gradient
// to one gradient per input (undefined = no contribution). `backward(root)` orders the nodes
// reachable from `root` topologically, runs them once each in reverse, sums the gradients arriving
// at shared subexpressions, and accumulates (+=) into leaves' `grad()`. Backward functions run with
// grad mode off. The graph stays alive while its root tensor does, so backward may be called again.
//
// Saved tensors must not hold the node's own output with its autograd state (that would be a
// reference cycle): save `out.detach()`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace acl {

struct Node {
  std::string op;              // op name, for error messages
  std::vector<Tensor> inputs;  // inputs in op order (those not requiring grad are ignored)
  std::function<std::vector<Tensor>(const Tensor& grad_out)> backward;
};

bool grad_enabled();

// Disables recording in its scope (evaluation, optimizer updates, backward functions).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True when grad mode is on and any input requires grad: the op must record a node.
bool needs_grad(std::initializer_list<const Tensor*> inputs);

// Records `node` as the producer of `out` (marks it as requiring grad).
void attach_node(Tensor& out, std::string op, std::vector<Tensor> inputs,
                 std::function<std::vector<Tensor>(const Tensor&)> backward);

void run_backward(const Tensor& root, const Tensor& grad_root);

// While alive, backward calls `hook(leaf)` as soon as a leaf's gradient is final: every edge of
// the graph into that leaf has delivered its contribution (or its producer was skipped because no
// gradient flowed into it). Leaves the graph does not reach are not reported. Data-parallel
// training starts a bucket's gradient all-reduce from it while the rest of backward runs. One hook
// at a time per thread; the previous one is restored at destruction.
class GradReadyHook {
 public:
  explicit GradReadyHook(std::function<void(const Tensor& leaf)> hook);
  ~GradReadyHook();
  GradReadyHook(const GradReadyHook&) = delete;
  GradReadyHook& operator=(const GradReadyHook&) = delete;

 private:
  std::function<void(const Tensor&)> previous_;
};

}  // namespace acl
