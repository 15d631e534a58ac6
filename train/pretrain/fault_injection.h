// Fault injection: puts a NaN or an infinity into a batch, an activation or a gradient at a chosen
// step, or kills the process at a chosen point of writing a checkpoint, so that tests (and users
// who want to see what a run does on such a fault) can check the detection, the messages and the
// on_nonfinite policy. Off unless asked for.
//
// The plan is a comma-separated list of faults, read from TrainerOptions::inject_fault or, when
// that is empty, from the environment variable ACL_INJECT_FAULT:
//   batch:nan@step=3               NaN into every sample of the first record of the batch of step
//                                  3, before the forward (as a corrupt record would be)
//   activation:inf@step=5          +inf into an activation, by default encoder.embedding;
//   activation(projection):-inf@step=5  the activations are named in Objective::activation_names()
//   grad:nan@step=2                a NaN into a parameter's gradient after backward, by default the
//   grad(encoder.x.weight):nan@step=2   first parameter; any name of named_parameters()
//   kill:partial@step=4            SIGKILL while writing the checkpoint of step 4, at one of
//                                  model (model.safetensors written into step_4.partial),
//                                  partial (the partial directory complete, before its rename),
//                                  renamed (step_4 in place, before `latest` names it),
//                                  latest (`latest` names step_4, before older ones are pruned)
// VALUE is nan, inf, +inf or -inf. "@step=N" fires at the first attempt of step N only (a step
// skipped for a non-finite loss is attempted again with the next batch); "@step=N+" fires at every
// attempt of step N and later. An activation or gradient gets the value in its element 0. A
// malformed plan or an unknown target throws std::invalid_argument naming ACL_INJECT_FAULT, the
// fault and what is allowed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace acl::pretrain {

enum class FaultKind { kBatch, kActivation, kGrad, kKill };

struct Fault {
  FaultKind kind = FaultKind::kBatch;
  std::string target;  // activation or parameter name; the kill point
  double value = 0;    // NaN or +-inf (not for kKill)
  int64_t step = 0;    // 1-based, as in metrics
  bool onward = false;
  bool fired = false;
  std::string text;  // as written
};

class FaultPlan {
 public:
  FaultPlan() = default;
  // Parses `spec` ("" gives an empty plan).
  static FaultPlan parse(const std::string& spec);
  // `spec` when not empty, else $ACL_INJECT_FAULT.
  static FaultPlan from(const std::string& spec);

  bool empty() const { return faults_.empty(); }
  std::string describe() const;  // the faults as written, comma-separated

  // Fills in the default targets and checks every target against the allowed names.
  void resolve(const std::vector<std::string>& activations,
               const std::vector<std::string>& parameters);

  // The values to put into `target` of `kind` at the attempt of `step`; marks one-shot faults
  // fired.
  std::vector<double> due(FaultKind kind, int64_t step, const std::string& target);
  // Raises SIGKILL when a kill fault names `point` at the checkpoint of `step`.
  void kill_point(const char* point, int64_t step);

 private:
  std::vector<Fault> faults_;
};

// Sets the first `count` elements of `t` (f32 or f64, any device) to `value`, in place.
void inject_value(const Tensor& t, double value, int64_t count = 1);

}  // namespace acl::pretrain
